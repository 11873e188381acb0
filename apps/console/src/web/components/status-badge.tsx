// A delivery's or callback's status as a word with a colour (the word carries the meaning, the colour helps).
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.replace(/[^a-z_]/g, '')}`}>{status}</span>;
}
