import { ApiError } from '../api/client';

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" className="py-6 text-std-16N-170 text-solid-gray-600">
      {what}を読み込んでいます…
    </p>
  );
}

/** An API refusal in words: the message, and the reason code and field for the help desk. */
export function ErrorBox({ error }: { error: unknown }) {
  const e = error instanceof ApiError ? error : null;
  return (
    <div role="alert" className="my-4 rounded-8 border-2 border-red-900 bg-red-50 p-4 text-std-16N-170">
      <p className="font-bold text-red-1000">
        {e?.status === 403
          ? 'この操作の権限がありません。'
          : e?.status === 404
            ? '見つかりません。'
            : '処理できませんでした。'}
      </p>
      <p>{error instanceof Error ? error.message : String(error)}</p>
      {e && (e.reason || e.field) && (
        <p className="text-dns-14N-130 text-solid-gray-700">
          {e.field && <>項目: {e.field} </>}
          {e.reason && <>理由コード: {e.reason}</>}
        </p>
      )}
    </div>
  );
}

export function PageTitle({ children }: { children: React.ReactNode }) {
  return <h1 className="mb-4 mt-2 text-std-28B-150 desktop:text-std-32B-150">{children}</h1>;
}
