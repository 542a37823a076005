/**
 * Public API of the CRIU library: a `criu dump` image directory read into a model (read-only),
 * shown as a tree, and mapped onto the 2008 design's restart checks. Pure: the directory is
 * read through an injected {@link DumpDirectory}; no VS Code, file system or DOM here.
 */
export { readDump, maxDumpFiles, maxProcesses } from './dump';
export type {
  CriuCreds,
  CriuDump,
  CriuFd,
  CriuFileObject,
  CriuInventory,
  CriuPagemap,
  CriuProcess,
  CriuRegFile,
  CriuThread,
  CriuVma,
  DumpDirectory,
  EntryRef,
  FieldRef,
  PagemapRun,
  RawFile,
} from './dump';
export { decodeImageFile, maxDecodedFileSize, maxEntriesPerFile } from './image-file';
export type { DumpProblem, ImageEntry, ImageFile, MagicWord } from './image-file';
export { IMG_COMMON_MAGIC, IMG_SERVICE_MAGIC, MAGIC_NUMBERS, magicName, roleOf } from './magic';
export { DumpTree, maxPageRows, processSummary, type DumpNode } from './view';
export { mapDumpToImage } from './restart-map';
export type { DumpPath, DumpSource, MappingNote, RestartMapping } from './restart-map';
export { mappingLimits, whoMayRestart } from './who-may-restart';
export type {
  RestartMatrix,
  RestartMatrixOptions,
  RestartVerdict,
  StandIn,
} from './who-may-restart';
export { checkLine, formatRestartMatrix, verdictLine } from './report';
export { capabilitySetText, openFlagText } from './flags';
export type { WireField, WireMessage } from './wire';
export { fsDumpDirectory, type SyncFileSystem } from './fs-directory';
