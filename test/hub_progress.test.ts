import { test } from "node:test";
import assert from "node:assert/strict";
import { format_sizeof, format_interval, format_bar, format_progress_line } from "../src/utils/progress";

test("sizes print as tqdm prints them in the seed walkthrough (0.00/213k, 29.0, 436k, 433, 433M, 1.33G)", () => {
  // byte counts of the sizes the seed's bars show (a cased vocab.txt, a 29-byte tokenizer_config.json, a
  // tokenizer.json, a 433-byte config.json, a BERT-base and two BERT-large checkpoints)
  assert.deepEqual([0, 213450, 29, 435797, 433, 433_263_448, 1_334_448_817, 1_340_675_298].map(format_sizeof),
    ["0.00", "213k", "29.0", "436k", "433", "433M", "1.33G", "1.34G"]);
  assert.deepEqual([9.994, 9.996, 99.94, 99.96, 999.4, 999.6, 998_000].map(format_sizeof), ["9.99", "10.0", "99.9", "100", "999", "1.00k", "998k"]);
});

test("intervals and bars follow tqdm (MM:SS, H:MM:SS; eighth blocks)", () => {
  assert.deepEqual([0, 9.9, 61, 3599, 3600, 7322].map(format_interval), ["00:00", "00:09", "01:01", "59:59", "1:00:00", "2:02:02"]);
  assert.equal(format_bar(0), "          ");
  assert.equal(format_bar(1), "██████████");
  assert.equal(format_bar(0.5), "█████     ");
  assert.equal(format_bar(0.55), "█████▌    ");
  assert.equal(format_bar(0.99), "█████████▉");
});

test("a whole line: start, middle and end of a 433M download", () => {
  assert.equal(format_progress_line("Downloading", 0, 433_263_448, 0), "Downloading:   0%|          | 0.00/433M [00:00<?, ?B/s]");
  assert.equal(format_progress_line("Downloading", 216_631_724, 433_263_448, 5), "Downloading:  50%|█████     | 217M/433M [00:05<00:05, 43.3MB/s]");
  assert.equal(format_progress_line("Downloading", 433_263_448, 433_263_448, 10), "Downloading: 100%|██████████| 433M/433M [00:10<00:00, 43.3MB/s]");
  assert.equal(format_progress_line("Downloading", 2048, undefined, 2), "Downloading: 2.05k [00:02, 1.02kB/s]");
});
