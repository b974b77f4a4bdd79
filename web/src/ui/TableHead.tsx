/** A table's column headings, as every data table of the console draws them. */
export function TableHead({ columns, sticky = false }: { columns: string[]; sticky?: boolean }) {
  return (
    <thead className={sticky ? 'sticky top-0 bg-white' : undefined}>
      <tr>
        {columns.map((h) => (
          <th key={h} scope="col" className="border border-solid-gray-420 bg-solid-gray-50 p-2 text-left">
            {h}
          </th>
        ))}
      </tr>
    </thead>
  );
}
