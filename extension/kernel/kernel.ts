/** The emulated kernel (work in progress: the implementation lands in the next commits). */
import type { KernelApi, KernelOptions } from './types';

/** Boot an emulated kernel from a world description. */
export function createKernel(_options: KernelOptions = {}): KernelApi {
  throw new Error('createKernel: not implemented yet');
}
