// The streaming memory bound (issue 25 item 5): a CSV of about N MB, written into a temp dir at bench time (never
// committed), read with load_dataset("csv", { streaming: true }) and mapped (lazy map, one row at a time) to the end,
// in a fresh process so its peak RSS (VmHWM) is the stream's alone. Goal: peak RSS ≤ 300 MB for a 1 GB file.
//   node dist/bench/datasets_stream.js generate <file> <mb>   write the CSV (streamed; prints { bytes, rows })
//   node dist/bench/datasets_stream.js stream <file>          stream + map it; prints { rows, ms, maxrss_mb }
import * as fs from "fs";
import { load_dataset } from "../src/datasets";

const WORDS = "the a movie film was great awful fine dull plot acting music long short funny sad and but not very really".split(" ");

function max_rss_mb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

async function generate(file: string, mb: number): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write("id,text,label,score\n");
  let bytes = 0, rows = 0, seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  while (bytes < mb * 2 ** 20) {
    const n = 8 + Math.floor(rnd() * 30);
    const text = Array.from({ length: n }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(" ");
    const line = `${rows},"${rows % 7 === 0 ? `${text}, ""quoted""` : text}",${rows % 2},${(rnd() * 10).toFixed(3)}\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once("drain", () => r()));
    bytes += line.length;
    rows++;
  }
  await new Promise<void>((r) => out.end(() => r()));
  console.log(JSON.stringify({ bytes: fs.statSync(file).size, rows }));
}

async function stream(file: string): Promise<void> {
  const t0 = performance.now();
  const ds = await load_dataset("csv", { data_files: file, split: "train", streaming: true });
  const mapped = ds.map((r: { text: string }) => ({ n_words: r.text.split(" ").length }), { remove_columns: "text" });
  let rows = 0, words = 0;
  for await (const r of mapped) {
    rows++;
    words += r.n_words;
  }
  console.log(JSON.stringify({ rows, words, ms: performance.now() - t0, maxrss_mb: max_rss_mb(), bytes: fs.statSync(file).size }));
}

if (require.main === module) {
  const [mode, file, mb] = process.argv.slice(2);
  (mode === "generate" ? generate(file, Number(mb)) : stream(file)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
