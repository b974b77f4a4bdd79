// A question by a declared set of respondent attributes, as a heat map of row percentages: the
// number is always in the cell (colour only repeats it), and a cell withheld by disclosure control
// is shown as withheld — never as zero or as a guess.
import { useQuery } from '@tanstack/react-query';
import { api, type Schemas, unwrap } from '../../api/client';
import { ErrorBox, Loading } from '../../ui/Status';

type Survey = Schemas['sokei.survey.v1.Survey'];

/** Background for a percentage: the design system's blue, stronger with the share. */
export function heat(percent: number): string {
  const steps = ['#f5f8ff', '#e8f1fe', '#d9e6ff', '#c5d7fb', '#9db7f9', '#7096f8'];
  const i = Math.min(steps.length - 1, Math.max(0, Math.floor(percent / 12)));
  return steps[i]!;
}

export function CrossTabTable({ survey, question, dimensions }: { survey: Survey; question: string; dimensions: string[] }) {
  const [, m = '', , s = '', , q = ''] = question.split('/');
  const tab = useQuery({
    queryKey: ['crossTab', question, dimensions.join(',')],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/surveys/{survey}/questions/{question}:crossTab', {
          params: { path: { municipality: m, survey: s, question: q }, query: { dimensions, weighted: true } },
        }),
      ),
  });
  if (tab.isPending) return <Loading what="クロス集計" />;
  if (tab.error) return <ErrorBox error={tab.error} />;
  const t = tab.data;
  const dimName = (id: string) => survey.attributes?.find((a) => a.id === id)?.displayName ?? id;
  return (
    <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="クロス集計表" data-testid="crosstab">
      <table className="border-collapse text-dns-14N-130">
        <caption className="mb-1 text-left">
          {(t.dimensions ?? []).map(dimName).join(' × ')}別の回答の割合（%、行ごと）。＊は回答者が少ないため非公表（{t.minCellCount ?? ''}人未満の保護）。
        </caption>
        <thead>
          <tr>
            <th scope="col" className="border border-solid-gray-420 bg-solid-gray-50 p-2 text-left">
              {(t.dimensions ?? []).map(dimName).join(' × ')}
            </th>
            {(t.optionLabels ?? []).map((l) => (
              <th key={l} scope="col" className="border border-solid-gray-420 bg-solid-gray-50 p-2">
                {l}
              </th>
            ))}
            <th scope="col" className="border border-solid-gray-420 bg-solid-gray-50 p-2">
              回答者数
            </th>
          </tr>
        </thead>
        <tbody>
          {(t.rows ?? []).map((r) => (
            <tr key={(r.codes ?? []).join('|')}>
              <th scope="row" className="border border-solid-gray-420 p-2 text-left font-normal">
                {(r.categories ?? []).join(' ・ ')}
              </th>
              {(r.cells ?? []).map((c, i) => (
                <td
                  key={i}
                  className="border border-solid-gray-420 p-2 text-right"
                  style={c.suppressed ? undefined : { background: heat(c.percent ?? 0) }}
                  data-suppressed={c.suppressed ? 'true' : undefined}
                >
                  {c.suppressed ? <abbr title="非公表">＊</abbr> : c.display}
                </td>
              ))}
              <td className="border border-solid-gray-420 p-2 text-right">{r.total?.suppressed ? <abbr title="非公表">＊</abbr> : r.total?.display}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
