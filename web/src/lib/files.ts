// Files between the browser and the API as files: uploads as the raw file body (its other fields
// in the query), downloads as the files themselves (alt=media).

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The Content-Type an upload is sent with, from its name (browsers often leave File.type empty). */
export function uploadType(file: { name: string; type: string }): string {
  const ext = file.name.toLowerCase().split('.').pop() ?? '';
  if (ext === 'xlsx') return XLSX;
  if (ext === 'csv') return 'text/csv';
  if (ext === 'tsv' || ext === 'txt') return 'text/tab-separated-values';
  return file.type || 'application/octet-stream';
}

/**
 * Options for a typed POST that send `file` itself as the body — the contract's binary request
 * body (text/csv, TSV, xlsx); the method's other fields go in `params.query`.
 */
export function rawFile(file: File) {
  return {
    body: '' as string, // the binary body of the contract; the serializer sends the file itself
    bodySerializer: () => file,
    headers: { 'Content-Type': uploadType(file) },
  };
}

/** Saves a Blob under `filename` (the browser's download). */
export function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The file name a Content-Disposition gives: filename*=UTF-8''… first, else filename="…". */
export function dispositionFilename(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename="([^"]*)"/i.exec(header);
  return plain?.[1] || fallback;
}
