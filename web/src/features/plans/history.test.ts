import { describe, expect, it } from 'vitest';
import { historySeries, type IndicatorHistory } from './history';

describe('historySeries', () => {
  const h: IndicatorHistory = {
    indicator: { baseline: { value: { value: '162' }, fiscalYear: 2017 } },
    points: [
      { fiscalYear: 2019, observation: { value: { value: '120', unit: '人' } }, target: { value: { value: '170' } } },
      { fiscalYear: 2018, observation: { value: { value: '150' } }, target: { value: { value: '168' } } },
      { fiscalYear: 2020, observation: { value: { qualitative: '未公表' } }, target: { value: { value: '176' } } },
      { fiscalYear: 2021, observation: { value: { value: '40', partialPeriod: true } } },
    ],
    forecast: { hasValue: true, targetYear: 2022, value: 95.5 },
  };
  it('orders years, leaves gaps for non-numbers and part-years, never zeros', () => {
    const s = historySeries(h);
    expect(s.years).toEqual([2018, 2019, 2020, 2021, 2022]);
    expect(s.actual).toEqual([150, 120, null, null, null]);
    expect(s.target).toEqual([168, 170, 176, null, null]);
    expect(s.baseline).toBe(162);
    expect(s.unit).toBe('人');
  });
  it('draws the trend from the last actual to the target year', () => {
    expect(historySeries(h).forecast).toEqual([null, 120, null, null, 95.5]);
  });
});
