import { describe, expect, it } from 'vitest';
import { cronProblem } from './cron.js';

describe('cronProblem', () => {
  it.each([
    '* * * * *',
    '0 3 * * *',
    '*/15 9-17 * * MON-FRI',
    '0 0 1,15 * *',
    '30 2 * JAN,JUL 0',
    '0 12 ? * 7',
    '0 0 L * *',
    '0 0 * * 5#2',
    '@daily',
    '  5 4 * * sun  ',
  ])('accepts %j', (expression) => {
    expect(cronProblem(expression)).toBeUndefined();
  });

  it.each([
    ['0 3 * *', 'has 4'],
    ['0 0 3 * * *', 'has 6'],
    ['60 * * * *', 'minute field "60" holds a value outside 0-59'],
    ['* 24 * * *', 'hour field'],
    ['* * 0 * *', 'day of month field'],
    ['* * * 13 *', 'month field "13" holds a value outside 1-12 (or JAN-DEC)'],
    ['* * * * 8', 'day of week field'],
    ['*/0 * * * *', 'step "0"'],
    ['1-2-3 * * * *', 'is not a value, range or step'],
    ['', 'has 0'],
    ['@sometimes', 'has 1'],
    ['5-1 * * * *', 'runs backwards'],
    ['0 0 L-2 * *', 'day of month field'],
  ])('refuses %j, saying it %s', (expression, problem) => {
    expect(cronProblem(expression)).toContain(problem);
  });
});
