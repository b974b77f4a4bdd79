// The 企画課 enters or corrects a 事業's money for the year by hand (UpdateProjectCost): every
// amount as typed, read with the importer's habits (1,234,000 / 3,000千円 / △500); only the
// changed fields are sent, with the stored version's etag, so a newer import or correction is
// never overwritten silently.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { ErrorBox } from '../../ui/Status';
import { COST_FIELDS, costPatch, formOf, type Cost, type CostForm as Form, type CostKey } from './costInput';

type Props = {
  municipality: string;
  plan: string;
  /** The cost's id: `{fiscal year}-{node id}`. */
  costId: string;
  stored: Cost | undefined;
  onSaved: () => Promise<void> | void;
  onCancel: () => void;
};

export function CostForm({ municipality, plan, costId, stored, onSaved, onCancel }: Props) {
  const initial = formOf(stored);
  const [form, setForm] = useState<Form>(initial);
  const [errors, setErrors] = useState<Partial<Record<CostKey, string>>>({});
  const save = useMutation({
    mutationFn: async () => {
      const p = costPatch(initial, form);
      if ('errors' in p) {
        setErrors(p.errors);
        return 'invalid' as const;
      }
      setErrors({});
      if (p.updateMask.length === 0) return 'unchanged' as const;
      return unwrap(
        await api.PATCH('/v1/municipalities/{municipality}/plans/{plan}/costs/{cost}', {
          params: { path: { municipality, plan, cost: costId }, query: { updateMask: p.updateMask.join(',') } },
          body: { ...p.cost, etag: stored?.etag ?? '' },
        }),
      );
    },
    onSuccess: async (result) => {
      if (result !== 'invalid') await onSaved();
    },
  });
  return (
    <form
      className="mt-3 rounded-8 border border-solid-gray-420 p-3"
      data-testid="cost-form"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h4 className="mb-2 text-std-16B-170">金額の入力・訂正（円）</h4>
      <div className="grid gap-3 sm:grid-cols-2">
        {COST_FIELDS.map(({ key, label }) => {
          const id = `cost-${key.replace('.', '-')}`;
          return (
            <Field key={key} id={id} label={label} small>
              <input
                id={id}
                inputMode={key === 'supplementary_budgets' ? 'text' : 'decimal'}
                className="min-h-11 rounded-8 border border-solid-gray-600 px-2 text-right"
                value={form[key]}
                aria-invalid={errors[key] ? true : undefined}
                aria-describedby={errors[key] ? `${id}-error` : undefined}
                onChange={(e) => {
                  setForm({ ...form, [key]: e.target.value });
                  // A field's message is for what was there when saving was tried.
                  if (errors[key]) setErrors({ ...errors, [key]: undefined });
                }}
              />
              {errors[key] && (
                <span id={`${id}-error`} className="text-red-900">
                  {errors[key]}
                </span>
              )}
            </Field>
          );
        })}
      </div>
      {save.error && <ErrorBox error={save.error} />}
      <div className="mt-3 flex flex-wrap gap-2">
        <Button type="submit" disabled={save.isPending}>
          金額を保存
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          やめる
        </Button>
      </div>
    </form>
  );
}
