import { describe, expect, it } from 'vitest';
import { expandUriTemplate } from '../../src/runtime/http/uri-template.js';

// Cases from RFC 6570 section 3.2.
const vars = {
  var: 'value',
  hello: 'Hello World!',
  path: '/foo/bar',
  empty: '',
  list: ['red', 'green', 'blue'],
  keys: { semi: ';', dot: '.', comma: ',' },
  x: 1024,
  y: 768,
  undef: null,
};

describe('RFC 6570 URI templates', () => {
  it.each([
    ['{var}', 'value'],
    ['{hello}', 'Hello%20World%21'],
    ['{+path}/here', '/foo/bar/here'],
    ['{#path}', '#/foo/bar'],
    ['{x,y}', '1024,768'],
    ['{.list}', '.red,green,blue'],
    ['{/list*}', '/red/green/blue'],
    ['{;x,y,empty}', ';x=1024;y=768;empty'],
    ['{?x,y,empty}', '?x=1024&y=768&empty='],
    ['?fixed=yes{&x}', '?fixed=yes&x=1024'],
    ['{?keys*}', '?semi=%3B&dot=.&comma=%2C'],
    ['{var:3}', 'val'],
    ['{?undef}', ''],
    ['X{.var}', 'X.value'],
  ])('expands %s to %s', (template, expected) => {
    expect(expandUriTemplate(template, vars)).toBe(expected);
  });

  it('expands a petstore path with the task input', () => {
    expect(expandUriTemplate('https://petstore.swagger.io/v2/pet/{petId}', { petId: 1 })).toBe(
      'https://petstore.swagger.io/v2/pet/1',
    );
  });

  it('expands to nothing for a variable the input does not have', () => {
    expect(expandUriTemplate('http://h/a/{missing}', { other: 1 })).toBe('http://h/a/');
  });

  it('rejects an unclosed brace, naming the template', () => {
    expect(() => expandUriTemplate('http://h/{petId', {})).toThrow(/http:\/\/h\/\{petId.*unclosed/);
  });

  it('rejects a bad variable name', () => {
    expect(() => expandUriTemplate('http://h/{pet id}', {})).toThrow(/bad variable 'pet id'/);
  });
});
