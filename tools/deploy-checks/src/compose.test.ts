import { containerPorts, interpolate, parseCompose } from './compose';

describe('interpolate', () => {
  it('uses the default of ${VAR:-default} when the variable is unset or empty, and the value otherwise', () => {
    expect(interpolate('a=${A:-x:y=}', {})).toBe('a=x:y=');
    expect(interpolate('a=${A:-x}', { A: '' })).toBe('a=x');
    expect(interpolate('a=${A-x}', { A: '' })).toBe('a=');
    expect(interpolate('a=${A:-x}/${B}', { A: 'set', B: 'b' })).toBe('a=set/b');
  });
});

describe('parseCompose', () => {
  it('applies merge keys, including lists of anchors, with local keys winning', () => {
    const compose = parseCompose(`
x-a: &a { ONE: "1", TWO: "2" }
x-b: &b { THREE: "3" }
services:
  svc:
    environment:
      <<: [*a, *b]
      TWO: two
    ports: ["8080:3000", "9000:9000/udp"]
`);
    expect(compose.services['svc']!.environment).toEqual({ ONE: '1', TWO: 'two', THREE: '3' });
    expect(containerPorts(compose.services['svc']!)).toEqual([3000, 9000]);
  });

  it('refuses a file without services', () => {
    expect(() => parseCompose('volumes: {}')).toThrow(/no services/);
  });
});
