/**
 * probeRestartAs: a restart judged without being made. It must give the very checks restartAs
 * gives, under the sysctls it is told, and leave no trace: the next task gets the pid it would
 * have got, no call is logged, nothing is created.
 */
import assert from 'node:assert/strict';
import type { KernelApi } from '../../../extension/kernel/index';
import { defaultWorld } from '../../../extension/kernel/index';
import { boot, passwdItems, rows, runUntil, spawn, withProgram } from './helpers';

/** hallyn's setuid passwd, checkpointed by itself into /tmp/passwd.crimg (kernel.md scenario 1). */
function passwdKernel(sign: boolean): KernelApi {
  const world = withProgram(defaultWorld(), '/bin/passwd', passwdItems(), { mode: 0o4755 });
  if (sign) world.sysctls['kernel.ckpt_sign_images'] = 1;
  const kernel = boot(world);
  const shell = spawn(kernel, 'hallyn', '/bin/sh');
  const passwd = spawn(kernel, 'hallyn', '/bin/passwd', { parent: shell });
  runUntil(kernel, passwd, 'checkpoint');
  return kernel;
}

/** Everything a host can observe of a kernel. */
function observe(kernel: KernelApi): string {
  return JSON.stringify(
    {
      tasks: kernel.tasks(),
      calls: kernel.calls().length,
      console: kernel.console().length,
      sysctls: [
        kernel.sysctl('kernel.ckpt_restore_creds'),
        kernel.sysctl('kernel.ckpt_require_signed'),
      ],
      memory: kernel.memoryInUse(),
    },
    (_key, value: unknown) => (typeof value === 'bigint' ? `0x${value.toString(16)}` : value),
  );
}

describe('kernel: probeRestartAs judges a restart without making it', () => {
  it('gives the checks restartAs gives, in every restore-creds mode, and changes nothing', () => {
    for (const mode of ['caller', 'authorized', 'signed'] as const) {
      for (const user of ['root', 'hallyn', 'oren']) {
        const probed = passwdKernel(true);
        const before = observe(probed);
        const probe = probed.probeRestartAs(user, '/tmp/passwd.crimg', 0, {
          'kernel.ckpt_restore_creds': mode,
        });
        assert.equal(observe(probed), before, `${user} under ${mode} left a trace`);

        const real = passwdKernel(true);
        real.setSysctl('kernel.ckpt_restore_creds', mode);
        const outcome = real.restartAs(user, '/tmp/passwd.crimg', 0);
        assert.deepEqual(rows(probe.checks), rows(outcome.checks), `${user} under ${mode}`);
        assert.equal(probe.errno, outcome.errno);
        assert.equal(probe.restored, undefined, 'a probe restores nothing');
      }
    }
  });

  it('uses up no pid, descriptor or call: what follows is as if it never happened', () => {
    const probed = passwdKernel(false);
    probed.probeRestartAs('root', '/tmp/passwd.crimg', 0);
    probed.probeRestartAs('hallyn', '/tmp/passwd.crimg', 0);
    const plain = passwdKernel(false);
    assert.deepEqual(
      probed.restartAs('root', '/tmp/passwd.crimg', 0),
      plain.restartAs('root', '/tmp/passwd.crimg', 0),
    );
    assert.equal(observe(probed), observe(plain));
  });

  it('names the refused CRED field of a credential check', () => {
    const kernel = passwdKernel(false);
    const probe = kernel.probeRestartAs('hallyn', '/tmp/passwd.crimg', 0, {
      'kernel.ckpt_restore_creds': 'authorized',
    });
    const failed = probe.checks.at(-1);
    assert.equal(failed?.id, 'restart.creds.uid');
    assert.equal(failed?.field, 'CRED.euid');
    assert.ok(probe.checks.slice(0, -1).every((check) => check.field === undefined));
  });

  it('says why when the image cannot be opened, and still leaves no trace', () => {
    const kernel = passwdKernel(false);
    const before = observe(kernel);
    const missing = kernel.probeRestartAs('hallyn', '/tmp/none.crimg', 0);
    assert.equal(missing.errno, 'ENOENT');
    assert.match(missing.reason ?? '', /cannot open \/tmp\/none\.crimg/);
    const nobody = kernel.probeRestartAs('nobody', '/tmp/passwd.crimg', 0);
    assert.equal(nobody.errno, 'EINVAL');
    assert.equal(observe(kernel), before);
  });
});
