/**
 * Public API of the kernel emulator (kernel.md): a deterministic model of a 2.6.27-era kernel
 * with the checkpoint/restart system calls and the audit of their security checks.
 *
 * Hosts (lab interpreter, CLI, panel, debugger) boot a kernel with {@link createKernel} from a
 * {@link WorldSpec} (usually {@link defaultWorld}), spawn tasks running {@link Program}s (built
 * with {@link assemble} from a {@link ProgramSource}), step them, and call
 * `sysCheckpoint`/`sysRestart` (or `checkpointAs`/`restartAs`), each returning the ordered
 * {@link CheckRecord}s. Image bytes move in and out through `readFile`/`writeFile` of the VFS.
 *
 * Nothing here imports VS Code, the file system or any Node module: bytes in, bytes out; the
 * clock, the seed and the machine key are injected.
 */
export { createKernel } from './kernel';
export type {
  CallOutcome,
  CallProgress,
  ComputeRunOutcome,
  ConsoleLine,
  CredInfo,
  FdInfo,
  FileStat,
  HostImageInput,
  HostImageOutput,
  KernelApi,
  KernelOptions,
  RunOptions,
  RunOutcome,
  SpawnOptions,
  SlicedCall,
  SpawnResult,
  StepOutcome,
  StepStatus,
  TaskInfo,
  TaskStateName,
  VmaInfo,
  WriteFileOptions,
} from './types';
export { CheckpointFlag, RestartFlag } from './types';
/** Hosts with an event loop run sliced calls between its turns. */
export { runInTurns, runToEnd } from './sliced';
export type { TurnOptions } from './sliced';
export { flagsHex, orFlags } from './flags';
export { credIds, type CredIds } from './creds';
export { CHECKPOINT_CHECKS, CHECK_MODELS, RESTART_CHECKS } from './checks';
export type {
  CheckId,
  CheckRecord,
  CheckResult,
  CheckpointCheckId,
  RestartCheckId,
} from './checks';
export { ERRNO, errnoName } from './errno';
export { isSysctlName, sysctlValues } from './sysctl';
export type { Errno } from './errno';
/** Where a program's variables live: variable i at DATA_BASE + 8·i (debuggers show addresses). */
export { DATA_BASE } from './mm';
export {
  DEFAULT_LIMITS,
  DEFAULT_SYSCTLS,
  MAX_FILE_SIZE,
  counterProgram,
  defaultMachineKey,
  defaultWorld,
  emptyWorld,
  passwdProgram,
  shellProgram,
} from './world';
export type {
  FileSpec,
  GroupSpec,
  LabelPolicy,
  LabelRule,
  LabelTransition,
  LabelTransitionAllow,
  Limits,
  LsmSpec,
  PtraceMode,
  RestoreCredsMode,
  SysctlName,
  Sysctls,
  UserSpec,
  WorldSpec,
} from './world';
export {
  MAX_VARS,
  O_CLOEXEC,
  ProgramError,
  SYSCALL_OPS,
  assemble,
  imm,
  isSyscall,
  reg,
  v,
} from './program';
export type {
  ArithOp,
  CmpOp,
  ComputeInstruction,
  Condition,
  Instruction,
  InstructionOp,
  LabelItem,
  PrintPart,
  Program,
  ProgramSource,
  SourceInfo,
  SourceItem,
  StoreData,
  SyscallInstruction,
  SyscallOp,
  Value,
} from './program';
