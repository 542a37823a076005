import { strict as assert } from 'node:assert';
import {
  checkDoc,
  checksFailingWith,
  errnoDoc,
  syscallFunction,
  sysctlDoc,
} from '../../../extension/lab/language-service';
import { runScenario } from '../../../extension/lab/index';
import { CHECK_IDS, ERRNOS, SYSCALLS, SYSCTLS } from '../../../extension/lab/vocabulary';
import { DEFAULT_SYSCTLS, ERRNO } from '../../../extension/kernel/index';
import { examples } from './helpers';

describe("the editor's kernel reference", () => {
  it('documents every check id, errno, system call and sysctl of the kernel', () => {
    for (const id of CHECK_IDS) assert.ok(checkDoc(id)?.rule, id);
    for (const name of ERRNOS) assert.equal(errnoDoc(name)?.number, ERRNO[name]);
    for (const name of SYSCALLS) assert.ok(syscallFunction(name), name);
    for (const name of Object.keys(SYSCTLS)) {
      const doc = sysctlDoc(name);
      assert.ok(doc?.effect, name);
      assert.equal(doc?.default, DEFAULT_SYSCTLS[name as keyof typeof DEFAULT_SYSCTLS]);
    }
    assert.equal(checkDoc('restart.nope'), undefined);
    assert.equal(errnoDoc('EWHAT'), undefined);
  });

  it('lists, for every check the examples see fail or skip, that errno and that skip', () => {
    let failures = 0;
    let skips = 0;
    for (const { name, source } of examples()) {
      const result = runScenario(source);
      for (const call of result.session?.calls ?? []) {
        for (const check of call.checks) {
          const doc = checkDoc(check.id);
          assert.ok(doc, check.id);
          if (check.result === 'fail') {
            failures++;
            assert.ok(
              check.errno !== null && doc.errnos.includes(check.errno),
              `${name}: ${check.id} failed with ${check.errno}, documented ${doc.errnos.join(', ')}`,
            );
            assert.ok(checksFailingWith(check.errno).includes(check.id));
          }
          if (check.result === 'skip') {
            skips++;
            assert.ok(doc.skipped, `${name}: ${check.id} was skipped but says nothing of when`);
          }
        }
      }
    }
    assert.ok(failures >= 10 && skips >= 10, `${failures} failures, ${skips} skips seen`);
  });
});
