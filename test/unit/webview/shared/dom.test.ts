import assert from 'node:assert/strict';
import { appElement, element, makeLink, span } from '../../../../webview/shared/dom';
import { installDom, type TestDom } from '../dom';

const hostile = '<img src=x onerror="globalThis.pwned=1">';

describe('shared DOM helpers (in a DOM)', () => {
  let dom: TestDom;
  beforeEach(() => {
    dom = installDom();
  });
  afterEach(() => dom.close());

  it('builds an element of the tag and class asked for, with its text as text', () => {
    const title = element('h2', 'inspector-title', hostile);
    assert.equal(title.tagName, 'H2');
    assert.equal(title.className, 'inspector-title');
    assert.equal(title.textContent, hostile);
    assert.equal(title.children.length, 0, 'markup in the text is not parsed');
    assert.equal((globalThis as Record<string, unknown>)['pwned'], undefined);
  });

  it('leaves an element without text empty, and a span holds its text', () => {
    const slot = element('div', 'header-slot panes');
    assert.equal(slot.classList.length, 2);
    assert.equal(slot.childNodes.length, 0);
    const value = span('tree-value', '');
    assert.equal(value.tagName, 'SPAN');
    assert.equal(value.className, 'tree-value');
    assert.equal(value.textContent, '');
    assert.equal(span('tree-name', hostile).textContent, hostile);
  });

  it('finds the #app of the page, and says so when the page has none', () => {
    assert.throws(() => appElement(), /no #app element/);
    const app = element('main', '');
    app.id = 'app';
    document.body.append(app);
    assert.equal(appElement(), app);
  });

  it('makes a link that opens on a click, Enter or Space, and leaves other keys alone', () => {
    const item = element('li', 'problem', 'EPERM at 0x10');
    let opened = 0;
    makeLink(item, () => opened++);
    assert.equal(item.tabIndex, 0, 'reachable with Tab');
    assert.equal(item.getAttribute('role'), 'link');
    item.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    const press = (key: string): boolean => {
      const event = new KeyboardEvent('keydown', { key, cancelable: true });
      item.dispatchEvent(event);
      return event.defaultPrevented;
    };
    assert.equal(press('Enter'), true, 'Enter does not also submit or scroll');
    assert.equal(press(' '), true, 'Space does not scroll the page');
    assert.equal(press('a'), false);
    assert.equal(opened, 3);
  });
});
