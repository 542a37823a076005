/**
 * package.json's `crlab` debugger and its commands agree with what the session reads and the
 * extension registers.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEBUG_COMMANDS,
  DEBUG_TYPE,
  LAUNCH_ATTRIBUTES,
  RESTORE_MODES,
} from '../../../extension/debug/launch';
import { RestartFlag } from '../../../extension/kernel/index';

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: { command: string }[];
    breakpoints: { language: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    debuggers: {
      type: string;
      languages: string[];
      configurationAttributes: {
        launch: { properties: Record<string, { enum?: string[]; items?: { enum?: string[] } }> };
      };
      initialConfigurations: Record<string, unknown>[];
    }[];
  };
}

const manifest = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'),
) as Manifest;

describe('debug contributions in package.json', () => {
  const debuggers = manifest.contributes.debuggers.filter((d) => d.type === DEBUG_TYPE);
  const debuggerEntry = debuggers[0];

  it('declares the crlab debugger once, for .crlab, with breakpoints allowed there', () => {
    assert.equal(debuggers.length, 1);
    assert.deepEqual(debuggerEntry?.languages, ['crlab']);
    assert.ok(manifest.contributes.breakpoints.some((b) => b.language === 'crlab'));
    assert.ok(manifest.activationEvents.includes(`onDebugResolve:${DEBUG_TYPE}`));
    assert.ok(manifest.activationEvents.includes(`onDebugDynamicConfigurations:${DEBUG_TYPE}`));
  });

  it('describes exactly the launch attributes the session reads', () => {
    const properties = debuggerEntry?.configurationAttributes.launch.properties ?? {};
    assert.deepEqual(Object.keys(properties).sort(), [...LAUNCH_ATTRIBUTES].sort());
    assert.deepEqual(properties['mode']?.enum, [...RESTORE_MODES]);
    assert.deepEqual(properties['flags']?.items?.enum?.sort(), Object.keys(RestartFlag).sort());
    for (const configuration of debuggerEntry?.initialConfigurations ?? []) {
      for (const key of Object.keys(configuration)) {
        if (['type', 'request', 'name'].includes(key)) continue;
        assert.ok((LAUNCH_ATTRIBUTES as readonly string[]).includes(key), key);
      }
    }
  });

  it('contributes every debug command the extension registers, with menus where they apply', () => {
    const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
    for (const id of Object.values(DEBUG_COMMANDS)) assert.ok(contributed.has(id), id);
    const menu = (name: string): string[] =>
      (manifest.contributes.menus[name] ?? []).map((entry) => entry.command);
    assert.ok(menu('debug/toolBar').includes('crlab.debug.checkpointTask'));
    assert.ok(menu('debug/callstack/context').includes('crlab.debug.checkpointTask'));
    assert.ok(menu('editor/title/run').includes('crlab.debug.debugScenario'));
    for (const id of Object.values(DEBUG_COMMANDS)) {
      assert.ok(
        manifest.contributes.menus['commandPalette']?.some((e) => e.command === id && e.when),
        `${id} is hidden from the palette where it does not apply`,
      );
    }
  });
});
