import assert from 'node:assert/strict';
import {
  isHostToLabPanelMessage,
  isLabPanelToHostMessage,
  maxLsmLines,
  type LabStateView,
} from '../../../webview/protocol';

const state: LabStateView = {
  version: 3,
  origin: null,
  actions: 1,
  failedExpectations: 0,
  tasks: [
    {
      pid: 2,
      nsPids: [2],
      ppid: 1,
      comm: '<img src=x onerror=alert(1)>',
      exe: '/bin/passwd',
      program: 'passwd',
      pc: 0,
      state: 'running',
      exitCode: null,
      user: 'hallyn',
      name: 'hallyn_passwd',
      cred: {
        uid: 500,
        euid: 0,
        suid: 0,
        fsuid: 0,
        gid: 500,
        egid: 500,
        sgid: 500,
        fsgid: 500,
        groups: [500],
        effective: ['CAP_CHOWN'],
        permitted: ['CAP_CHOWN'],
        inheritable: [],
        bounding: ['all'],
        securebits: 0,
      },
      dumpable: false,
      label: null,
      fds: [],
      vmas: [],
      vmaCount: 0,
      vars: [],
      namespaceInit: 1,
      nsLevel: 0,
      nsInit: false,
      container: null,
    },
  ],
  images: [],
  users: ['root', 'hallyn'],
  sysctls: [{ name: 'kernel.ckpt_restore_creds', value: 'authorized', values: ['caller'] }],
  lsm: { name: 'none', lines: [] },
  console: [],
  consoleTotal: 0,
  history: [],
  debuggerHistory: [],
  call: null,
  matrix: null,
  busy: null,
};

describe('panel protocol guards', () => {
  it('accept what the panel sends', () => {
    for (const message of [
      { type: 'ready' },
      { type: 'sessionAction', action: 'spawn' },
      { type: 'taskAction', action: 'checkpoint', pid: 7 },
      { type: 'imageAction', action: 'whoMayRestart', path: '/tmp/passwd.crimg' },
      { type: 'selectCall', id: 3 },
      { type: 'selectCall', id: 3, debugger: true },
      { type: 'selectMatrixCell', user: 2, mode: 1 },
      { type: 'openCheck', index: 10 },
      { type: 'exportReport', format: 'json' },
      { type: 'setSysctl', name: 'kernel.ckpt_restore_creds', value: 'signed' },
      { type: 'setLsm', policy: 'label', lines: ['deny checkpoint domain passwd_t'] },
    ]) {
      assert.ok(isLabPanelToHostMessage(message), JSON.stringify(message));
    }
  });

  it('drop malformed messages from the panel', () => {
    for (const message of [
      null,
      'ready',
      { type: 'nope' },
      { type: 'sessionAction', action: 'rm -rf' },
      { type: 'taskAction', action: 'kill', pid: 7 },
      { type: 'taskAction', action: 'step', pid: -1 },
      { type: 'taskAction', action: 'step', pid: 1.5 },
      { type: 'imageAction', action: 'restart', path: 'relative.crimg' },
      { type: 'imageAction', action: 'restart', path: `/${'a'.repeat(5000)}` },
      { type: 'selectCall', id: '3' },
      { type: 'selectCall', id: 3, debugger: 'yes' },
      { type: 'exportReport', format: 'html' },
      { type: 'setSysctl', name: 'kernel.ckpt_restore_creds' },
      { type: 'setLsm', policy: 'selinux', lines: [] },
      {
        type: 'setLsm',
        policy: 'label',
        lines: Array(maxLsmLines + 1).fill('deny ptrace domain d'),
      },
      { type: 'setLsm', policy: 'label', lines: [42] },
    ]) {
      assert.ok(!isLabPanelToHostMessage(message), JSON.stringify(message)?.slice(0, 80));
    }
  });

  it('check the host’s state before the panel shows it', () => {
    assert.ok(isHostToLabPanelMessage({ type: 'labState', state }));
    assert.ok(isHostToLabPanelMessage({ type: 'reveal', section: 'matrix' }));
    assert.ok(!isHostToLabPanelMessage({ type: 'reveal', section: 'elsewhere' }));
    assert.ok(!isHostToLabPanelMessage({ type: 'labState', state: { ...state, version: -1 } }));
    const { debuggerHistory: _dropped, ...withoutDebugger } = state;
    assert.ok(!isHostToLabPanelMessage({ type: 'labState', state: withoutDebugger }));
    assert.ok(
      !isHostToLabPanelMessage({
        type: 'labState',
        state: { ...state, tasks: [{ ...state.tasks[0], name: 7 }] },
      }),
    );
    assert.ok(
      !isHostToLabPanelMessage({
        type: 'labState',
        state: {
          ...state,
          call: { id: 1, statement: 's', checks: [{ id: 'x', result: 'maybe' }] },
        },
      }),
    );
  });
});
