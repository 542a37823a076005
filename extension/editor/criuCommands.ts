/**
 * The CRIU commands: Open CRIU Dump (a folder in the Explorer, or from the palette) and Who May
 * Restart This CRIU Dump? (for the default world or a scenario's, into a report document and
 * the open view).
 */
import * as vscode from 'vscode';
import { formatRestartMatrix, readDump, whoMayRestart, type RestartMatrix } from '../criu/index';
import { baseName, readDumpDirectory } from '../host/workspaceFiles';
import { defaultWorld, type WorldSpec } from '../kernel/index';
import { checkScenario } from '../lab/index';
import { stepOptions } from '../quickInputSteps';
import type { CommandCallback } from './commands';
import type { CriuDumpEditorProvider } from './criuDumpEditor';
import { criuDumpViewType } from './criuDumpEditor';
import type { ReportDocuments } from './reportDocuments';

/** What the CRIU commands need. */
export interface CriuCommandContext {
  readonly criuDumps: CriuDumpEditorProvider;
  readonly reports: ReportDocuments;
}

const inventoryName = 'inventory.img';

/** The inventory.img of the dump `target` names: the folder's, or the file itself. */
async function inventoryOf(target: vscode.Uri): Promise<vscode.Uri | undefined> {
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(target);
  } catch {
    return undefined;
  }
  const inventory =
    (stat.type & vscode.FileType.Directory) !== 0
      ? vscode.Uri.joinPath(target, inventoryName)
      : baseName(target) === inventoryName
        ? target
        : vscode.Uri.joinPath(target, '..', inventoryName);
  try {
    await vscode.workspace.fs.stat(inventory);
    return inventory;
  } catch {
    return undefined;
  }
}

/** `crlab.criu.openDump`: opens a dump directory (its inventory.img) in the CRIU view. */
export function openDumpCommand(): CommandCallback {
  return async (target?: unknown) => {
    let folder = target instanceof vscode.Uri ? target : undefined;
    if (!folder) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: vscode.l10n.t('Open CRIU Dump'),
        title: vscode.l10n.t('A directory written by criu dump'),
      });
      folder = picked?.[0];
    }
    if (!folder) return undefined;
    const inventory = await inventoryOf(folder);
    if (!inventory) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t(
          '{0} has no inventory.img: it is not a directory written by criu dump.',
          baseName(folder),
        ),
      );
      return undefined;
    }
    await vscode.commands.executeCommand('vscode.openWith', inventory, criuDumpViewType);
    return inventory;
  };
}

interface WorldChoice {
  readonly world: WorldSpec;
  readonly name: string;
}

async function worldFromScenario(uri: vscode.Uri): Promise<WorldChoice | undefined> {
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const checked = checkScenario(text);
  const first = checked.diagnostics[0];
  if (checked.world === null || first !== undefined) {
    void vscode.window.showErrorMessage(
      vscode.l10n.t(
        '{0} has mistakes (line {1}: {2}): its world cannot be built.',
        baseName(uri),
        first?.line ?? 0,
        first?.message ?? '',
      ),
    );
    return undefined;
  }
  return {
    world: checked.world,
    name: vscode.l10n.t('the world of {0}', baseName(uri)),
  };
}

/** The world to judge in: an argument (`default` or a .crlab URI), else the user's choice. */
async function chooseWorld(argument: unknown): Promise<WorldChoice | undefined> {
  const defaultChoice = (): WorldChoice => ({
    world: defaultWorld(),
    name: vscode.l10n.t('the default world'),
  });
  if (argument === 'default') return defaultChoice();
  if (argument instanceof vscode.Uri) return worldFromScenario(argument);
  const scenarios = await vscode.workspace.findFiles('**/*.crlab', '**/node_modules/**', 200);
  const items: (vscode.QuickPickItem & { uri?: vscode.Uri })[] = [
    {
      label: vscode.l10n.t('The default world'),
      description: vscode.l10n.t('root, daemon, hallyn, oren'),
    },
    ...scenarios.map((uri) => ({
      label: vscode.l10n.t('The world of {0}', baseName(uri)),
      description: vscode.workspace.asRelativePath(uri),
      uri,
    })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Who may restart this CRIU dump? In which world'),
    placeHolder: vscode.l10n.t('Its users, files and sysctls judge the dump'),
    ...stepOptions,
  });
  if (!picked) return undefined;
  return picked.uri ? worldFromScenario(picked.uri) : defaultChoice();
}

/**
 * `crlab.criu.whoMayRestart`: the dump (argument: its folder or inventory.img; else the active
 * CRIU view) restarted as each user of a world; the report opens beside it, and an open view of
 * the dump shows the answer. Returns the matrix (tests read it).
 */
export function whoMayRestartCommand(context: CriuCommandContext): CommandCallback {
  return async (target?: unknown, worldArgument?: unknown): Promise<RestartMatrix | undefined> => {
    const given = target instanceof vscode.Uri ? await inventoryOf(target) : undefined;
    const inventory = given ?? context.criuDumps.activeDocument()?.uri;
    if (!inventory) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Open a CRIU dump first (Open CRIU Dump on its folder).'),
      );
      return undefined;
    }
    const choice = await chooseWorld(worldArgument);
    if (!choice) return undefined;
    const open = context.criuDumps.documentOf(inventory);
    const directory = vscode.Uri.joinPath(inventory, '..');
    const dump = open?.dump ?? readDump(await readDumpDirectory(directory));
    const matrix = whoMayRestart(dump, { world: choice.world, worldName: choice.name });
    const name = baseName(directory);
    await context.reports.show(
      vscode.l10n.t('Who may restart {0}.txt', name),
      `${formatRestartMatrix(matrix, name, true).join('\n')}\n`,
    );
    open?.setMatrix(matrix);
    return matrix;
  };
}
