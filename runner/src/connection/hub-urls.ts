// A runner may know several hubs that share one database (issue 7): `--hub URL1,URL2`. Any of them can take its
// runs, so when its hub dies it connects to the next one and resumes its runs and spools there (DESIGN §4, §5).

/** The hub URLs of a `--hub` value, in order; empty parts dropped. */
export function splitHubUrls(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** Whether every URL of a `--hub` value is http(s), and there is at least one. */
export function validHubUrls(value: string): boolean {
  const urls = splitHubUrls(value);
  return (
    urls.length > 0 &&
    urls.every((url) => {
      try {
        return /^https?:$/.test(new URL(url).protocol);
      } catch {
        return false;
      }
    })
  );
}
