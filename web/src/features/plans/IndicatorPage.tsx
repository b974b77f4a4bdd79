// One indicator over the years: actuals, the target in force each year, the baseline and the
// trend forecast — as a chart and as a table with the values as written.
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { api, unwrap } from '../../api/client';
import { Button } from '../../ui/Button';
import { Chart, type ChartOption } from '../../ui/Chart';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { historySeries } from './history';
import { IndicatorYearsTable } from './IndicatorYearsTable';

const OUTLOOK: Record<string, string> = {
  TREND_OUTLOOK_ON_TRACK: '目標に届く見込み',
  TREND_OUTLOOK_AT_RISK: '目標に届かない見込み',
  TREND_OUTLOOK_INSUFFICIENT_DATA: '見込みを出すには実績が足りません',
};

export function IndicatorPage() {
  const { municipality = '', indicator = '' } = useParams();
  const history = useQuery({
    queryKey: ['history', municipality, indicator],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/indicators/{indicator}:history', {
          params: { path: { municipality, indicator } },
        }),
      ),
  });
  const [asTable, setAsTable] = useState(false);
  const s = useMemo(() => (history.data ? historySeries(history.data) : null), [history.data]);
  const option: ChartOption | null = useMemo(() => {
    if (!s) return null;
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: s.years.map(String) },
      yAxis: { type: 'value', name: s.unit, scale: true },
      series: [
        { name: '実績', type: 'line', data: s.actual, connectNulls: false, symbolSize: 8, itemStyle: { color: '#0031d8' } },
        { name: '目標（その年度に有効な値）', type: 'line', step: 'middle', data: s.target, lineStyle: { type: 'dashed' }, itemStyle: { color: '#fb5b01' } },
        {
          name: '見込み（直線傾向）',
          type: 'line',
          data: s.forecast,
          connectNulls: true,
          lineStyle: { type: 'dotted' },
          itemStyle: { color: '#626264' },
          ...(s.baseline !== null
            ? { markLine: { symbol: 'none', label: { formatter: `基準値 ${s.baseline}${s.unit}`, position: 'insideEndTop' }, data: [{ yAxis: s.baseline }], lineStyle: { color: '#949494' } } }
            : {}),
        },
      ],
    };
  }, [s]);
  const ind = history.data?.indicator;
  const f = history.data?.forecast;
  return (
    <>
      <PageTitle>
        {ind?.code} {ind?.displayName ?? '指標'}
      </PageTitle>
      {history.isPending && <Loading what="指標の推移" />}
      {history.error && <ErrorBox error={history.error} />}
      {history.data && s && option && (
        <>
          <p className="mb-2 text-std-16N-170">
            基準値: {ind?.baseline?.value?.raw || '—'} ・ 単位: {s.unit || '—'}
            {f?.outlook && OUTLOOK[f.outlook] ? ` ・ ${OUTLOOK[f.outlook]}` : ''}
          </p>
          <div className="mb-2 flex justify-end">
            <Button variant="secondary" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
              {asTable ? 'グラフで表示' : '表で表示'}
            </Button>
          </div>
          {asTable ? (
            <IndicatorYearsTable points={history.data.points ?? []} caption="年度ごとの目標と実績" />
          ) : (
            <Chart
              option={option}
              label={`${ind?.displayName}の推移。${s.years
                .map((y, i) => `${y}年度 実績${s.actual[i] ?? 'なし'}${s.target[i] !== null ? ` 目標${s.target[i]}` : ''}`)
                .join('、')}${s.baseline !== null ? `。基準値${s.baseline}` : ''}`}
            />
          )}
        </>
      )}
    </>
  );
}
