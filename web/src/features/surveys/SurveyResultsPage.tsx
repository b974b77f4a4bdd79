// A published survey's results: the importance × satisfaction chart per 施策 (the city's quadrant
// names, a table view), and each question's distribution with its margin of error. Small cells
// come back suppressed from the API and are shown as such.
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, unwrap } from '../../api/client';
import { Button } from '../../ui/Button';
import { Chart, type ChartOption } from '../../ui/Chart';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { CrossTabTable } from './CrossTabTable';
import { csPoints, quadrantLabels } from './cs';
import { TableHead } from '../../ui/TableHead';

export function SurveyResultsPage() {
  const { municipality = '', survey = '' } = useParams();
  const info = useQuery({
    queryKey: ['survey', municipality, survey],
    queryFn: async () => unwrap(await api.GET('/v1/municipalities/{municipality}/surveys/{survey}', { params: { path: { municipality, survey } } })),
  });
  const cs = useQuery({
    queryKey: ['cs', municipality, survey],
    queryFn: async () =>
      unwrap(await api.GET('/v1/municipalities/{municipality}/surveys/{survey}/analyses/cs', { params: { path: { municipality, survey }, query: { weighted: true } } })),
  });
  const questions = useQuery({
    queryKey: ['questions', municipality, survey],
    queryFn: async () =>
      unwrap(await api.GET('/v1/municipalities/{municipality}/surveys/{survey}/questions', { params: { path: { municipality, survey }, query: { pageSize: 200 } } }))
        .questions ?? [],
  });
  const [asTable, setAsTable] = useState(false);
  const [question, setQuestion] = useState('');
  const [dims, setDims] = useState('');
  const points = useMemo(() => (cs.data ? csPoints(cs.data) : []), [cs.data]);
  const labels = cs.data ? quadrantLabels(cs.data) : null;
  const option: ChartOption | null = useMemo(() => {
    if (!cs.data || !labels) return null;
    const corner = (text: string, left: string | number, top: string | number) => ({ type: 'text', left, top, style: { text, fill: '#1a1a1a', fontSize: 15, fontWeight: 'bold' } });
    return {
      tooltip: { formatter: (p: { data: [number, number, string] }) => p.data[2] },
      grid: { left: 48, right: 24, top: 32, bottom: 48 },
      xAxis: { type: 'value', name: cs.data.xAxis || '重要度', nameLocation: 'middle', nameGap: 28 },
      yAxis: { type: 'value', name: cs.data.yAxis || '満足度', nameLocation: 'middle', nameGap: 36 },
      graphic: [corner(labels.topRight, '75%', 36), corner(labels.topLeft, 60, 36), corner(labels.bottomLeft, 60, '82%'), corner(labels.bottomRight, '75%', '82%')],
      series: [
        {
          type: 'scatter',
          symbolSize: 10,
          itemStyle: { color: '#0031d8' },
          data: points.map((p) => [p.x, p.y, p.name]),
          label: { show: points.length <= 40, formatter: (p: { data: [number, number, string] }) => p.data[2].split(' ')[0], position: 'right', fontSize: 11 },
          markLine: { symbol: 'none', silent: true, label: { show: false }, lineStyle: { color: '#949494' }, data: [{ xAxis: 0 }, { yAxis: 0 }] },
        },
      ],
    };
  }, [cs.data, labels, points]);
  return (
    <>
      <p className="text-dns-14N-130">
        <Link className="text-blue-1000 underline" to="/">
          公開情報の一覧
        </Link>
      </p>
      <PageTitle>{info.data?.displayName ?? '調査結果'}</PageTitle>
      {info.error && <ErrorBox error={info.error} />}
      {info.data && (
        <p className="mb-4 text-std-16N-170">
          有効回答 {info.data.validResponses ?? '—'} 件（配布 {info.data.sampleSize ?? '—'} 件）
        </p>
      )}
      <section aria-labelledby="cs" className="mb-8">
        <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
          <h2 id="cs" className="text-std-20B-150">
            施策の重要度と満足度
          </h2>
          <Button variant="secondary" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
            {asTable ? 'グラフで表示' : '表で表示'}
          </Button>
        </div>
        {cs.isPending && <Loading what="重要度・満足度の分析" />}
        {cs.error && <ErrorBox error={cs.error} />}
        {cs.data && option && !asTable && (
          <Chart
            option={option}
            height={480}
            label={`施策の重要度と満足度の散布図。${points.map((p) => `${p.name}: ${p.quadrant}`).join('、')}`}
          />
        )}
        {cs.data && asTable && (
          <div className="overflow-x-auto">
            <table className="min-w-full border-collapse text-dns-14N-130">
              <caption className="sr-only">施策ごとの重要度と満足度（優先度の高い順）</caption>
              <TableHead columns={['優先順位', '施策', '重要度', '満足度', '区分']} />
              <tbody>
                {(cs.data.items ?? []).map((it) => (
                  <tr key={it.node || it.displayName}>
                    <td className="border border-solid-gray-420 p-2 text-right">{it.suppressed ? '—' : it.rank}</td>
                    <th scope="row" className="border border-solid-gray-420 p-2 text-left font-normal">
                      {it.code} {it.displayName}
                    </th>
                    <td className="border border-solid-gray-420 p-2 text-right">{it.suppressed ? '*' : (it.importance ?? 0).toFixed(2)}</td>
                    <td className="border border-solid-gray-420 p-2 text-right">{it.suppressed ? '*' : (it.satisfaction ?? 0).toFixed(2)}</td>
                    <td className="border border-solid-gray-420 p-2">{it.suppressed ? '少数の回答を守るため非表示' : it.quadrant}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="questions">
        <h2 id="questions" className="mb-2 text-std-20B-150">
          設問ごとの回答
        </h2>
        {questions.error && <ErrorBox error={questions.error} />}
        <div className="mb-3 flex flex-col text-dns-16N-130">
          <label htmlFor="question">設問</label>
          <select id="question" className="mt-1 min-h-11 w-full max-w-3xl rounded-8 border border-solid-gray-600 px-3" value={question} onChange={(e) => setQuestion(e.target.value)}>
            <option value="">設問を選んでください</option>
            {(questions.data ?? []).map((q) => (
              <option key={q.name} value={q.name}>
                {q.number} {q.text}
              </option>
            ))}
          </select>
        </div>
        {question && <QuestionResult name={question} />}
        {question && info.data && (info.data.tabulationDimensions ?? []).length > 0 && (
          <div className="mt-4">
            <div className="mb-2 flex flex-col text-dns-16N-130">
              <label htmlFor="dimensions">クロス集計の軸</label>
              <select
                id="dimensions"
                className="mt-1 min-h-11 w-full max-w-md rounded-8 border border-solid-gray-600 px-3"
                value={dims}
                onChange={(e) => setDims(e.target.value)}
              >
                <option value="">（クロス集計しない）</option>
                {(info.data.tabulationDimensions ?? []).map((d) => {
                  const ids = d.attributes ?? [];
                  return (
                    <option key={ids.join(',')} value={ids.join(',')}>
                      {ids.map((id) => info.data?.attributes?.find((a) => a.id === id)?.displayName ?? id).join(' × ')}
                    </option>
                  );
                })}
              </select>
            </div>
            {dims && <CrossTabTable survey={info.data} question={question} dimensions={dims.split(',')} />}
          </div>
        )}
      </section>
    </>
  );
}

function QuestionResult({ name }: { name: string }) {
  const [, m = '', , s = '', , q = ''] = name.split('/');
  const stats = useQuery({
    queryKey: ['stats', name],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/surveys/{survey}/questions/{question}:stats', {
          params: { path: { municipality: m, survey: s, question: q }, query: { weighted: true } },
        }),
      ),
  });
  if (stats.isPending) return <Loading what="回答の分布" />;
  if (stats.error) return <ErrorBox error={stats.error} />;
  const d = stats.data;
  return (
    <div data-testid="question-stats">
      <p className="mb-2 text-std-16N-170">
        回答者 {d.base ?? 0} 人
        {d.hasMarginOfError && `（誤差の目安 ±${(d.marginOfErrorMaxPoints ?? 0).toFixed(1)} ポイント、95%）`}
        {d.hasMean && ` ・ 平均 ${(d.meanScore ?? 0).toFixed(2)}`}
      </p>
      {d.summariesWithheld && (
        <p className="mb-2 text-std-16N-170">
          少数の回答が特定されないよう、一部の選択肢とあわせて平均・肯定的な回答の割合を表示していません。
        </p>
      )}
      <table className="min-w-full max-w-3xl border-collapse text-dns-16N-130">
        <caption className="sr-only">選択肢ごとの回答の割合</caption>
        <thead>
          <tr>
            <th scope="col" className="border border-solid-gray-420 bg-solid-gray-50 p-2 text-left">
              選択肢
            </th>
            <th scope="col" className="border border-solid-gray-420 bg-solid-gray-50 p-2 text-right">
              割合（%）
            </th>
            <th scope="col" className="w-1/2 border border-solid-gray-420 bg-solid-gray-50 p-2">
              <span className="sr-only">棒グラフ</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(d.options ?? []).map((o) => (
            <tr key={o.code}>
              <th scope="row" className="border border-solid-gray-420 p-2 text-left font-normal">
                {o.label}
              </th>
              <td className="border border-solid-gray-420 p-2 text-right">{o.suppressed ? '*（少数のため非表示）' : o.display}</td>
              <td className="border border-solid-gray-420 p-2" aria-hidden="true">
                {!o.suppressed && <div className="h-4 rounded-4 bg-blue-700" style={{ width: `${Math.min(100, o.percent ?? 0)}%` }} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
