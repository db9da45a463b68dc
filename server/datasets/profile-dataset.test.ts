// Dataset validation and profiling. No database: small files are written into a temp folder (or
// read from test/fixtures/datasets, see make_fixtures.py there); the big-file test generates
// ~125 MB into os.tmpdir() and removes it.
import { execFile } from "node:child_process";
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { DatasetFormatError, profileDataset, sniffFormat } from "@/server/datasets/profile-dataset";
import {
  datasetProfileSchema,
  type ColumnProfile,
  type DatasetFormat,
  type DatasetProfile,
  type FilesProfile,
  type HistogramBin,
  type TableProfile,
} from "@/server/datasets/dataset-profile";

const dir = mkdtempSync(path.join(tmpdir(), "profile-dataset-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Both vitest projects (sqlite, postgres) run this file; nothing here touches a database, so the
// heavy tests run in one project only to keep `npm test` short.
const heavy = process.env.STUDIO_TEST_DB !== "postgres";

let written = 0;
function write(content: string | Buffer, name = `file-${++written}.csv`): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

function fixture(name: string): string {
  return path.resolve("test/fixtures/datasets", name);
}

async function table(content: string | Buffer, format: DatasetFormat = "csv"): Promise<TableProfile> {
  const profile = await profileDataset(write(content, `table-${++written}.${format}`), format);
  if (profile.kind !== "table") throw new Error(`expected a table profile, got ${profile.kind}`);
  // Every profile must survive JSON and parse back through the shared schema.
  expect(datasetProfileSchema.parse(JSON.parse(JSON.stringify(profile)))).toEqual(profile);
  return profile;
}

function column(profile: TableProfile, name: string): ColumnProfile {
  const found = profile.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name} in ${profile.columns.map((c) => c.name).join(", ")}`);
  return found;
}

function counts(c: ColumnProfile): number[] | undefined {
  return c.histogram?.map((bin) => bin.count);
}

/** 20 bins of width 1 starting at `low`, with these counts (one count per bin). */
function unitBins(low: number, binCounts: number[]): HistogramBin[] {
  return binCounts.map((count, i) => ({ start: low + i, end: low + i + 1, count }));
}

/** A histogram with these counts at the given bins, zero elsewhere. */
function spikes(at: Record<number, number>): number[] {
  return Array.from({ length: 20 }, (_, i) => at[i] ?? 0);
}

async function formatError(work: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof work === "function" ? work() : work);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetFormatError);
    return (error as Error).message;
  }
  throw new Error("expected a DatasetFormatError");
}

const none = { min: null, max: null, mean: null, histogram: null } as const;

interface ChildResult {
  seconds: number;
  rssBefore: number;
  rssPeak: number;
  profile: DatasetProfile;
}

/** test/fixtures/datasets/profile-in-child.ts: profiles a file in a fresh node process and reports time and peak RSS. */
async function profileInChild(file: string, format: DatasetFormat): Promise<ChildResult> {
  const script = path.resolve("test/fixtures/datasets/profile-in-child.ts");
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script, file, format], {
    env: { ...process.env, TSX_TSCONFIG_PATH: path.resolve("tsconfig.node.json") },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as ChildResult;
}

describe("sniffFormat", () => {
  it("knows zip and Parquet by their signature, whatever the name says", () => {
    expect(sniffFormat(readFileSync(fixture("images.zip")), "images.zip")).toBe("zip");
    expect(sniffFormat(readFileSync(fixture("images.zip")), "data.csv")).toBe("zip");
    expect(sniffFormat(readFileSync(fixture("empty.zip")), "empty.zip")).toBe("zip");
    expect(sniffFormat(readFileSync(fixture("people.parquet")).subarray(0, 8192), "people.parquet")).toBe("parquet");
    expect(sniffFormat(readFileSync(fixture("people.parquet")).subarray(0, 8192), "people.jsonl")).toBe("parquet");
  });

  it("tells JSON Lines from CSV by the first non-empty line", () => {
    expect(sniffFormat(Buffer.from('{"a": 1}\n{"a": 2}\n'), "data.txt")).toBe("jsonl");
    expect(sniffFormat(Buffer.from('\n{"a": 1}\n'), "rows.json")).toBe("jsonl");
    expect(sniffFormat(Buffer.from('\uFEFF\n\n  {"a": 1}\r\n'), "data.csv")).toBe("jsonl");
    expect(sniffFormat(Buffer.from("a,b\n1,2\n"), "data.jsonl")).toBe("csv");
    expect(sniffFormat(Buffer.from("\uFEFFa;b\r\n1;2\r\n"), "data.csv")).toBe("csv");
    expect(sniffFormat(Buffer.from("single column\nvalue\n"), "notes")).toBe("csv");
    // A CSV whose header happens to start with a brace is still a CSV when the name does not say JSON.
    expect(sniffFormat(Buffer.from("{weird},b\n1,2\n"), "data.csv")).toBe("csv");
  });

  it("accepts a head that ends in the middle of a character, and a first line longer than the head", () => {
    const text = Buffer.from(`a,b\n${"é,ü\n".repeat(4000)}`);
    expect(sniffFormat(text.subarray(0, 8191), "x.csv")).toBe("csv");
    const longLine = Buffer.from(`{"text": "${"x".repeat(10_000)}"}\n`);
    expect(sniffFormat(longLine.subarray(0, 8192), "x.jsonl")).toBe("jsonl");
  });

  it("rejects binary data that is none of the formats", async () => {
    const blob = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256));
    expect(await formatError(() => sniffFormat(blob, "model.bin"))).toBe('"model.bin" is not a CSV, JSON Lines, Parquet or zip file: it holds binary data.');
    expect(await formatError(() => sniffFormat(blob, "fake.parquet"))).toMatch(/not a CSV, JSON Lines, Parquet or zip file.*named \.parquet but does not look like a Parquet file/);
    expect(await formatError(() => sniffFormat(Buffer.from("PNG\0\0\0data"), "x.csv"))).toMatch(/not a CSV, JSON Lines, Parquet or zip file/);
  });

  it("says so when text is not UTF-8, UTF-16 or compressed", async () => {
    const latin1 = Buffer.from("name,city\nJosé,Málaga\n", "latin1");
    expect(await formatError(() => sniffFormat(latin1, "people.csv"))).toMatch(/^"people.csv" is not UTF-8 text \(byte 13 is not valid UTF-8\)\. .*save it as UTF-8/);
    expect(await formatError(() => sniffFormat(Buffer.from("\uFEFFa,b\n", "utf16le"), "x.csv"))).toMatch(/UTF-16 text\. Save it as UTF-8/);
    expect(await formatError(() => sniffFormat(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]), "x.csv.gz"))).toMatch(/gzip-compressed/);
  });

  it("explains Excel workbooks, JSON arrays, pretty-printed JSON and empty files", async () => {
    const xlsxHead = Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4]), Buffer.alloc(22), Buffer.from([19, 0, 0, 0]), Buffer.from("[Content_Types].xml")]);
    expect(await formatError(() => sniffFormat(xlsxHead, "sales.xlsx"))).toMatch(/Excel workbook.*Export the sheet as CSV/);
    expect(await formatError(() => sniffFormat(xlsxHead, "sales.zip"))).toMatch(/Excel workbook/);
    expect(await formatError(() => sniffFormat(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]), "old.xls"))).toMatch(/\.xls/);
    expect(await formatError(() => sniffFormat(Buffer.from('[{"a": 1}, {"a": 2}]'), "rows.json"))).toMatch(/is a JSON array, not JSON Lines/);
    expect(await formatError(() => sniffFormat(Buffer.from('{\n  "a": 1\n}\n'), "rows.json"))).toMatch(
      /^"rows.json" is not JSON Lines: line 1 is not a complete JSON object .*one object per line/,
    );
    expect(await formatError(() => sniffFormat(Buffer.alloc(0), "empty.csv"))).toBe('"empty.csv" is empty.');
    expect(await formatError(() => sniffFormat(Buffer.from("\n \r\n\t\n"), "blank.csv"))).toBe('"blank.csv" holds no data (only blank lines).');
  });
});

describe("CSV", () => {
  it("profiles every column type exactly", async () => {
    const profile = await table(
      [
        "id,age,height,city,member,signup,notes",
        "1,0,1.5,Paris,true,2024-01-05,",
        "2,20,2.5,Berlin,false,2024-02-29T12:00:00Z,hello",
        "3,5,NA,Paris,TRUE,2023-12-31,n/a",
        '4,5,-0.5,,False,2024-01-05,"say ""hi"""',
        "",
      ].join("\n"),
    );
    expect(profile.kind).toBe("table");
    expect(profile.format).toBe("csv");
    expect(profile.rowCount).toBe(4);
    expect(profile.columns.map((c) => c.name)).toEqual(["id", "age", "height", "city", "member", "signup", "notes"]);

    const id = column(profile, "id");
    expect({ ...id, histogram: counts(id) }).toEqual({
      name: "id",
      type: "integer",
      missing: 0,
      distinct: 4,
      distinctCapped: false,
      min: 1,
      max: 4,
      mean: 2.5,
      histogram: spikes({ 0: 1, 6: 1, 13: 1, 19: 1 }),
      topValues: null,
    });
    expect(id.histogram?.[0]).toEqual({ start: 1, end: 1.15, count: 1 });
    expect(id.histogram?.[19]).toEqual({ start: 3.85, end: 4, count: 1 });

    expect(column(profile, "age")).toEqual({
      name: "age",
      type: "integer",
      missing: 0,
      distinct: 3,
      distinctCapped: false,
      min: 0,
      max: 20,
      mean: 7.5,
      histogram: unitBins(0, spikes({ 0: 1, 5: 2, 19: 1 })),
      topValues: null,
    });

    const height = column(profile, "height");
    expect({ ...height, histogram: counts(height) }).toEqual({
      name: "height",
      type: "float",
      missing: 1,
      distinct: 3,
      distinctCapped: false,
      min: -0.5,
      max: 2.5,
      mean: 3.5 / 3,
      histogram: spikes({ 0: 1, 13: 1, 19: 1 }),
      topValues: null,
    });

    expect(column(profile, "city")).toEqual({
      name: "city",
      type: "string",
      missing: 1,
      distinct: 2,
      distinctCapped: false,
      ...none,
      topValues: [
        { value: "Paris", count: 2 },
        { value: "Berlin", count: 1 },
      ],
    });
    expect(column(profile, "member")).toEqual({
      name: "member",
      type: "boolean",
      missing: 0,
      distinct: 2,
      distinctCapped: false,
      ...none,
      topValues: [
        { value: "false", count: 2 },
        { value: "true", count: 2 },
      ],
    });
    expect(column(profile, "signup")).toEqual({
      name: "signup",
      type: "datetime",
      missing: 0,
      distinct: 3,
      distinctCapped: false,
      min: "2023-12-31",
      max: "2024-02-29T12:00:00Z",
      mean: null,
      histogram: null,
      topValues: null,
    });
    expect(column(profile, "notes")).toEqual({
      name: "notes",
      type: "string",
      missing: 2,
      distinct: 2,
      distinctCapped: false,
      ...none,
      topValues: [
        { value: "hello", count: 1 },
        { value: 'say "hi"', count: 1 },
      ],
    });

    expect(profile.sampleRows).toEqual([
      { id: "1", age: "0", height: "1.5", city: "Paris", member: "true", signup: "2024-01-05", notes: "" },
      { id: "2", age: "20", height: "2.5", city: "Berlin", member: "false", signup: "2024-02-29T12:00:00Z", notes: "hello" },
      { id: "3", age: "5", height: "NA", city: "Paris", member: "TRUE", signup: "2023-12-31", notes: "n/a" },
      { id: "4", age: "5", height: "-0.5", city: "", member: "False", signup: "2024-01-05", notes: 'say "hi"' },
    ]);
  });

  it("detects semicolons (with a BOM and CRLF line ends), tabs and pipes from the header", async () => {
    const semicolons = await table("\uFEFFname;price;note\r\nTea;2.5;hot, sweet\r\nCoffee;3;\"a;b\"\r\n");
    expect(semicolons.columns.map((c) => c.name)).toEqual(["name", "price", "note"]);
    expect(semicolons.sampleRows).toEqual([
      { name: "Tea", price: "2.5", note: "hot, sweet" },
      { name: "Coffee", price: "3", note: "a;b" },
    ]);
    expect(column(semicolons, "price")).toMatchObject({ type: "float", min: 2.5, max: 3, mean: 2.75 });

    const tabs = await table("a\tb, with comma\tc\n1\t2\t3\n");
    expect(tabs.sampleRows).toEqual([{ a: "1", "b, with comma": "2", c: "3" }]);
    const pipes = await table("a|b|c\n1|x,y|3\n");
    expect(pipes.sampleRows).toEqual([{ a: "1", b: "x,y", c: "3" }]);
    // A delimiter inside a quoted header name does not count.
    const quotedHeader = await table('"a;b",c\n1,2\n');
    expect(quotedHeader.columns.map((c) => c.name)).toEqual(["a;b", "c"]);
  });

  it("keeps line breaks inside quoted fields and counts lines right after them", async () => {
    const profile = await table('id,text\n1,"first line\nsecond line"\n2,"a\r\nb"\n3,plain\n');
    expect(profile.rowCount).toBe(3);
    expect(profile.sampleRows.map((row) => row.text)).toEqual(["first line\nsecond line", "a\r\nb", "plain"]);

    const message = await formatError(profileDataset(write('id,text\n1,"two\nlines"\n\n2,ok,extra\n'), "csv"));
    expect(message).toBe(
      "Line 5 of the CSV file has 3 fields, but the header (line 1) has 2. Fields are separated by commas; a value that contains one must be in double quotes.",
    );
    const spanning = await formatError(profileDataset(write('a,b\n1,2\n3,"x\ny",z\n'), "csv"));
    expect(spanning).toMatch(/^The row on lines 3–4 of the CSV file has 3 fields, but the header \(line 1\) has 2\./);
  });

  it("names the line and both counts when a row has the wrong number of fields", async () => {
    expect(await formatError(profileDataset(write("a,b,c\n1,2,3\n4,5\n"), "csv"))).toBe(
      "Line 3 of the CSV file has 2 fields, but the header (line 1) has 3. Fields are separated by commas; a value that contains one must be in double quotes.",
    );
    expect(await formatError(profileDataset(write("\n\na;b\n1;2;3\n"), "csv"))).toMatch(
      /^Line 4 of the CSV file has 3 fields, but the header \(line 3\) has 2\. Fields are separated by semicolons/,
    );
    expect(await formatError(profileDataset(write("a,b\n1\n"), "csv"))).toMatch(/^Line 2 of the CSV file has 1 field, but/);
    // Deep in a big file: found on the fast path, located by a second pass.
    const rows = Array.from({ length: 30_000 }, (_, i) => `${i},${i * 2}`);
    rows[25_000] = "oops";
    expect(await formatError(profileDataset(write(`a,b\n${rows.join("\n")}\n`), "csv"))).toMatch(/^Line 25,?002 of the CSV file has 1 field/);
  });

  it("reports an unclosed quote with the line it starts on", async () => {
    expect(await formatError(profileDataset(write('a,b\n1,2\n\n3,"never closed\n4,5\n'), "csv"))).toBe(
      'The CSV file has a quoted field on line 4 that is never closed: a closing double quote (") is missing, so the rest of the file was read as one value.',
    );
  });

  it("reads stray quotes inside unquoted fields as characters, like pandas", async () => {
    const profile = await table('name,height\nAl,5\'11"\nBo,6\'\n');
    expect(profile.sampleRows).toEqual([
      { name: "Al", height: "5'11\"" },
      { name: "Bo", height: "6'" },
    ]);
  });

  it("treats a header-only file as 0 rows of empty columns, and an empty file as an error", async () => {
    const profile = await table("a,b\n");
    expect(profile).toEqual({
      kind: "table",
      format: "csv",
      rowCount: 0,
      columns: ["a", "b"].map((name) => ({ name, type: "empty", missing: 0, distinct: 0, distinctCapped: false, ...none, topValues: null })),
      sampleRows: [],
    });
    expect((await table("a,b")).columns.map((c) => c.name)).toEqual(["a", "b"]);
    expect(await formatError(profileDataset(write(""), "csv"))).toBe("The CSV file is empty: it needs a header line naming the columns.");
    expect(await formatError(profileDataset(write("\n\r\n\n"), "csv"))).toBe("The CSV file is empty: it needs a header line naming the columns.");
  });

  it("names empty and repeated header cells the way pandas does", async () => {
    const profile = await table("x,,x,x,\n1,2,3,4,5\n");
    expect(profile.columns.map((c) => c.name)).toEqual(["x", "Unnamed: 1", "x.1", "x.2", "Unnamed: 4"]);
  });

  it("counts pandas' default NA strings as missing, and NaN/inf the way pandas reads them", async () => {
    const na = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"];
    const allMissing = await table(`v,w\n${na.map((value) => `"${value}",1`).join("\n")}\n`);
    expect(column(allMissing, "v")).toEqual({ name: "v", type: "empty", missing: na.length, distinct: 0, distinctCapped: false, ...none, topValues: null });

    // Not NA: other spellings stay strings.
    expect(column(await table("v\nnone\nNil\n-\n"), "v")).toMatchObject({ type: "string", missing: 0, distinct: 3 });

    const floats = await table("x\n1\ninf\n-Infinity\nNaN\nnan\n2.5\n+INF\n");
    const x = column(floats, "x");
    expect({ ...x, histogram: counts(x) }).toEqual({
      name: "x",
      type: "float",
      missing: 2,
      distinct: 4, // 1, 2.5, +inf, -inf
      distinctCapped: false,
      min: 1,
      max: 2.5,
      mean: 1.75,
      // -inf joins the first bin, +inf (twice) the last: the counts sum to the 5 non-missing values.
      histogram: spikes({ 0: 2, 19: 3 }),
      topValues: null,
    });
    const onlyInfinite = column(await table("x\ninf\n-inf\n"), "x");
    expect(onlyInfinite).toEqual({ name: "x", type: "float", missing: 0, distinct: 2, distinctCapped: false, ...none, topValues: null });
  });

  it("infers numbers, booleans and datetimes over every value, with pandas-like leniency", async () => {
    const profile = await table(
      [
        "ints,floats,sci,mixed_num,bools,binary,words,dates,offsets,num_and_word,bool_and_num,date_and_word",
        " 42 ,1.,1e3,1,True,0,0x10,2024-02-29,2024-01-01T00:30:00+01:00,1,true,2024-01-01",
        "+7,.5,-2.5E-3,2.5,FALSE,1,\"1,000\",2024-03-01 08:15,2024-01-01T00:00:00Z,one,1,2024-02-30",
        "-3,-0.0,1E+2,3,tRuE,1,12abc,2024-03-01T08:15:30.123456Z,2024-01-01T01:00:00.5+0130,2,false,2024-01-02",
      ].join("\n"),
    );
    const types = Object.fromEntries(profile.columns.map((c) => [c.name, c.type]));
    expect(types).toEqual({
      ints: "integer",
      floats: "float",
      sci: "float",
      mixed_num: "float",
      bools: "boolean",
      binary: "integer", // 0/1 are numbers, not booleans
      words: "string",
      dates: "datetime",
      offsets: "datetime",
      num_and_word: "mixed",
      bool_and_num: "mixed",
      date_and_word: "mixed", // 2024-02-30 is not a date
    });
    expect(column(profile, "ints")).toMatchObject({ min: -3, max: 42, mean: 46 / 3 });
    expect(column(profile, "sci")).toMatchObject({ min: -0.0025, max: 1000 });
    expect(column(profile, "dates")).toMatchObject({ min: "2024-02-29", max: "2024-03-01T08:15:30.123456Z", distinct: 3 });
    // Compared as instants: 00:30+01:00 is 23:30Z the day before; 01:00:00.5+01:30 is 23:30:00.5Z.
    expect(column(profile, "offsets")).toMatchObject({ min: "2024-01-01T00:30:00+01:00", max: "2024-01-01T00:00:00Z" });
    expect(column(profile, "num_and_word")).toEqual({
      name: "num_and_word",
      type: "mixed",
      missing: 0,
      distinct: 3,
      distinctCapped: false,
      ...none,
      topValues: [
        { value: "1", count: 1 },
        { value: "2", count: 1 },
        { value: "one", count: 1 },
      ],
    });
    expect(column(profile, "bool_and_num").topValues).toEqual([
      { value: "1", count: 1 },
      { value: "false", count: 1 },
      { value: "true", count: 1 },
    ]);
    expect(column(profile, "date_and_word").topValues).toEqual([
      { value: "2024-01-01T00:00:00.000Z", count: 1 },
      { value: "2024-01-02T00:00:00.000Z", count: 1 },
      { value: "2024-02-30", count: 1 },
    ]);
  });

  it("bins values on bin edges the way numpy.histogram does", async () => {
    const edges = await table(`v\n${[0, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 2.1, 2.4, 2.7, 3.0].join("\n")}\n`);
    // np.histogram([0, 0.3, …, 3.0], bins=20)
    expect(counts(column(edges, "v"))).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1]);
    const integers = await table(`v\n${Array.from({ length: 21 }, (_, i) => i).join("\n")}\n`);
    expect(column(integers, "v").histogram).toEqual(unitBins(0, [...Array<number>(19).fill(1), 2]));
    // A constant column: numpy's [v - 0.5, v + 0.5].
    const constant = column(await table("v\n7\n7\n7\n"), "v");
    expect(constant).toMatchObject({ min: 7, max: 7, mean: 7, distinct: 1 });
    expect(constant.histogram?.[0].start).toBe(6.5);
    expect(constant.histogram?.[19].end).toBe(7.5);
    expect(counts(constant)).toEqual(spikes({ 10: 3 }));
  });

  it("samples large columns for the histogram, scaled so the counts sum to the values", async () => {
    const n = 50_000;
    const profile = await table(`v,w\n${Array.from({ length: n }, (_, i) => `${i},${i % 10 === 0 ? "" : i / 8}`).join("\n")}\n`);
    const v = column(profile, "v");
    expect(v).toMatchObject({ type: "integer", min: 0, max: n - 1, mean: (n - 1) / 2, distinct: n, distinctCapped: false });
    const binCounts = counts(v) ?? [];
    expect(binCounts.reduce((a, b) => a + b, 0)).toBe(n);
    for (const count of binCounts) expect(Math.abs(count - n / 20)).toBeLessThan((n / 20) * 0.1);

    const w = column(profile, "w");
    expect(w).toMatchObject({ type: "float", missing: n / 10, min: 1 / 8 });
    expect((counts(w) ?? []).reduce((a, b) => a + b, 0)).toBe(n - n / 10);
    // Reproducible: the sample is drawn with a fixed seed.
    expect(column(await table(`v,w\n${Array.from({ length: n }, (_, i) => `${i},${i % 10 === 0 ? "" : i / 8}`).join("\n")}\n`), "v")).toEqual(v);
  });

  it("counts distinct values exactly up to 100,000, then marks them capped", async () => {
    const n = 100_050;
    const rows = Array.from({ length: n }, (_, i) => `${i},s${i},${i % 3 === 0 ? "a" : "b"}`);
    const profile = await table(`id,label,group\n${rows.join("\n")}\n`);
    expect(profile.rowCount).toBe(n);
    expect(column(profile, "id")).toMatchObject({ distinct: 100_000, distinctCapped: true, min: 0, max: n - 1 });
    const label = column(profile, "label");
    expect(label).toMatchObject({ type: "string", distinct: 100_000, distinctCapped: true });
    expect(label.topValues).toHaveLength(10);
    expect(column(profile, "group")).toMatchObject({
      distinct: 2,
      distinctCapped: false,
      topValues: [
        { value: "b", count: 66_700 },
        { value: "a", count: 33_350 },
      ],
    });
  });

  it("tracks long strings by hash and shows them truncated", async () => {
    const long = (c: string) => c.repeat(200);
    const profile = await table(`t\n${long("a")}\n${long("b")}\n${long("a")}\n${long("a").slice(0, 199)}b\n`);
    const t = column(profile, "t");
    expect(t.distinct).toBe(3);
    expect(t.topValues?.[0]).toEqual({ value: `${"a".repeat(63)}…`, count: 2 });
    expect(profile.sampleRows[0]).toEqual({ t: long("a") });
  });

  it.skipIf(!heavy)("shares the distinct-value budget across the columns of a wide table", async () => {
    // 2,000 columns: 2,000,000 / 2,000 = 1,000 tracked values per column.
    const width = 2_000;
    const header = Array.from({ length: width }, (_, i) => `c${i}`).join(",");
    const rest = ",0".repeat(width - 2);
    const rows = Array.from({ length: 1_050 }, (_, r) => `${r % 5},${r}${rest}`);
    const profile = await table(`${header}\n${rows.join("\n")}\n`);
    expect(column(profile, "c0")).toMatchObject({ distinct: 5, distinctCapped: false });
    expect(column(profile, "c1")).toMatchObject({ distinct: 1_000, distinctCapped: true, min: 0, max: 1_049 });
  });

  it("refuses more than 10,000 columns", async () => {
    const header = Array.from({ length: 10_001 }, (_, i) => `c${i}`).join(",");
    expect(await formatError(profileDataset(write(`${header}\n`), "csv"))).toMatch(/^The CSV file has more than 10,000 columns\./);
  });

  it("names the byte and line of invalid UTF-8 past the sniffed head, and a file cut inside a character", async () => {
    const good = `a,b\n${"1,ok\n".repeat(5_000)}`; // 25 KB, beyond the 8 KiB head
    const bad = Buffer.concat([Buffer.from(good), Buffer.from("2,caf"), Buffer.from([0xe9]), Buffer.from("\n")]);
    expect(sniffFormat(bad.subarray(0, 8192), "x.csv")).toBe("csv");
    expect(await formatError(profileDataset(write(bad), "csv"))).toBe(
      `The CSV file is not valid UTF-8: byte ${(good.length + 5).toLocaleString("en-US")} (line 5,002) is not UTF-8. Save the file as UTF-8 (in Excel: "CSV UTF-8") and upload it again.`,
    );
    const cut = Buffer.concat([Buffer.from("a\n"), Buffer.from("é").subarray(0, 1)]);
    expect(await formatError(profileDataset(write(cut), "csv"))).toMatch(/ends in the middle of a UTF-8 character/);
    // Multi-byte characters split across read chunks are fine.
    const wide = `name\n${"日本語テキスト\n".repeat(40_000)}`;
    expect(column(await table(wide), "name")).toMatchObject({ type: "string", distinct: 1, missing: 0 });
  });

  it("keeps the first 50 rows as the sample", async () => {
    const profile = await table(`n\n${Array.from({ length: 120 }, (_, i) => i).join("\n")}\n`);
    expect(profile.rowCount).toBe(120);
    expect(profile.sampleRows).toHaveLength(50);
    expect(profile.sampleRows[49]).toEqual({ n: "49" });
  });

  it.skipIf(!heavy)(
    "profiles a ~125 MB, 1,000,000-row CSV in well under a minute, in memory far smaller than the file",
    async () => {
      const file = path.join(dir, "big.csv");
      const fd = openSync(file, "w");
      writeSync(fd, "id,x,category,flag,ts,comment\n");
      const rows = 1_000_000;
      for (let start = 0; start < rows; start += 10_000) {
        let chunk = "";
        for (let i = start; i < start + 10_000; i++) {
          const x = (((i * 7919) % 100_000) / 1000 - 50).toFixed(3);
          const ts = `2024-03-${String(1 + (i % 28)).padStart(2, "0")}T${String(i % 24).padStart(2, "0")}:15:00Z`;
          chunk += `${i},${x},cat_${i % 20},${i % 3 === 0 ? "true" : "false"},${ts},"row ${i % 1000}, free text that makes the file a little longer, and then some more words"\n`;
        }
        writeSync(fd, chunk);
      }
      closeSync(fd);
      const size = statSync(file).size;
      expect(size).toBeGreaterThan(120_000_000);

      // Profiled in a fresh process: this worker's RSS already holds whatever earlier test files
      // (and the wide-table test above) made it grow to, so its growth would measure nothing.
      let child: ChildResult;
      try {
        child = await profileInChild(file, "csv");
      } finally {
        rmSync(file, { force: true });
      }
      const { seconds, rssBefore, rssPeak, profile } = child;
      console.info(`profiled ${(size / 1e6).toFixed(0)} MB in ${seconds.toFixed(1)} s; RSS ${(rssBefore / 1e6).toFixed(0)} MB before, peak +${((rssPeak - rssBefore) / 1e6).toFixed(0)} MB`);
      expect(seconds).toBeLessThan(60);
      expect(rssPeak - rssBefore).toBeLessThan(size / 2);
      if (profile.kind !== "table") throw new Error("expected a table");

      expect(profile.rowCount).toBe(rows);
      expect(column(profile, "id")).toMatchObject({ type: "integer", min: 0, max: rows - 1, mean: (rows - 1) / 2, distinct: 100_000, distinctCapped: true });
      const x = column(profile, "x");
      expect(x).toMatchObject({ type: "float", min: -50, max: 49.999, distinct: 100_000, distinctCapped: false });
      expect(x.mean).toBeCloseTo(-0.0005, 10);
      expect((counts(x) ?? []).reduce((a, b) => a + b, 0)).toBe(rows);
      expect(column(profile, "category")).toMatchObject({ type: "string", distinct: 20 });
      expect(column(profile, "category").topValues?.[0]).toEqual({ value: "cat_0", count: 50_000 });
      expect(column(profile, "flag").topValues).toEqual([
        { value: "false", count: 666_666 },
        { value: "true", count: 333_334 },
      ]);
      expect(column(profile, "ts")).toMatchObject({ type: "datetime", min: "2024-03-01T00:15:00Z", max: "2024-03-28T23:15:00Z" });
      expect(column(profile, "comment")).toMatchObject({ type: "string", distinct: 1_000 });
    },
    120_000,
  );
});

describe("JSON Lines", () => {
  it("profiles the union of keys in first-seen order; absent keys and null are missing", async () => {
    const profile = await table(
      [
        '{"id": 1, "name": "ann", "score": 0.5, "tags": ["a"], "when": "2024-01-01T00:00:00Z"}',
        '{"id": 2, "name": null, "score": 1, "extra": true}',
        "",
        '{"id": 3, "name": "cy", "score": 2.5, "tags": {"k": 1}, "when": "2024-01-02", "extra": "yes"}',
      ].join("\r\n"),
      "jsonl",
    );
    expect(profile.format).toBe("jsonl");
    expect(profile.rowCount).toBe(3);
    expect(profile.columns.map((c) => c.name)).toEqual(["id", "name", "score", "tags", "when", "extra"]);
    expect(column(profile, "id")).toEqual({
      name: "id",
      type: "integer",
      missing: 0,
      distinct: 3,
      distinctCapped: false,
      min: 1,
      max: 3,
      mean: 2,
      histogram: [...Array(20)].map((_, i) => ({ start: 1 + i / 10, end: i === 19 ? 3 : 1 + (i + 1) / 10, count: i === 0 || i === 10 || i === 19 ? 1 : 0 })),
      topValues: null,
    });
    expect(column(profile, "name")).toEqual({
      name: "name",
      type: "string",
      missing: 1,
      distinct: 2,
      distinctCapped: false,
      ...none,
      topValues: [
        { value: "ann", count: 1 },
        { value: "cy", count: 1 },
      ],
    });
    expect(column(profile, "score")).toMatchObject({ type: "float", missing: 0, min: 0.5, max: 2.5, mean: 4 / 3, distinct: 3 });
    expect(column(profile, "tags")).toEqual({
      name: "tags",
      type: "string",
      missing: 1,
      distinct: 2,
      distinctCapped: false,
      ...none,
      topValues: [
        { value: '["a"]', count: 1 },
        { value: '{"k":1}', count: 1 },
      ],
    });
    expect(column(profile, "when")).toEqual({
      name: "when",
      type: "datetime",
      missing: 1,
      distinct: 2,
      distinctCapped: false,
      min: "2024-01-01T00:00:00Z",
      max: "2024-01-02",
      mean: null,
      histogram: null,
      topValues: null,
    });
    expect(column(profile, "extra")).toEqual({
      name: "extra",
      type: "mixed",
      missing: 1,
      distinct: 2,
      distinctCapped: false,
      ...none,
      topValues: [
        { value: "true", count: 1 },
        { value: "yes", count: 1 },
      ],
    });
    expect(profile.sampleRows).toEqual([
      { id: 1, name: "ann", score: 0.5, tags: ["a"], when: "2024-01-01T00:00:00Z" },
      { id: 2, name: null, score: 1, extra: true },
      { id: 3, name: "cy", score: 2.5, tags: { k: 1 }, when: "2024-01-02", extra: "yes" },
    ]);
  });

  it("keeps JSON types: a JSON string of digits is a string", async () => {
    const profile = await table('{"zip": "02134", "n": 1}\n{"zip": "10001", "n": 2}\n', "jsonl");
    expect(column(profile, "zip")).toMatchObject({ type: "string", topValues: [{ value: "02134", count: 1 }, { value: "10001", count: 1 }] });
  });

  it("accepts Python's NaN and Infinity (json.dumps) outside strings", async () => {
    const profile = await table('{"a": NaN, "b": Infinity, "c": "NaN and Infinity stay text"}\n{"a": 1.5, "b": -Infinity, "c": "x"}\n', "jsonl");
    expect(column(profile, "a")).toMatchObject({ type: "float", missing: 1, min: 1.5, max: 1.5 });
    expect(column(profile, "b")).toEqual({ name: "b", type: "float", missing: 0, distinct: 2, distinctCapped: false, ...none, topValues: null });
    expect(column(profile, "c").topValues?.[0]).toEqual({ value: "NaN and Infinity stay text", count: 1 });
    // JSON-safe sample: non-finite numbers as text.
    expect(profile.sampleRows[0]).toEqual({ a: null, b: "Infinity", c: "NaN and Infinity stay text" });
  });

  it("names the line that is not JSON, or not an object", async () => {
    expect(await formatError(profileDataset(write('{"a": 1}\n\n{"a": }\n', "bad.jsonl"), "jsonl"))).toMatch(
      /^Line 3 of the JSON Lines file is not valid JSON \(.+\): \{"a": \}$/,
    );
    expect(await formatError(profileDataset(write('{"a": 1}\n[1, 2]\n', "array.jsonl"), "jsonl"))).toBe(
      'Line 2 of the JSON Lines file is an array, not a JSON object: every line must be one object, like {"x": 1, "label": "cat"}.',
    );
    expect(await formatError(profileDataset(write('{"a": 1}\n"text"\n', "string.jsonl"), "jsonl"))).toMatch(/^Line 2 .* is a string, not a JSON object/);
    expect(await formatError(profileDataset(write('{"a": 1}\nnull\n', "null.jsonl"), "jsonl"))).toMatch(/^Line 2 .* is null, not a JSON object/);
  });

  it("reads a last line without a newline, and an empty file as no rows", async () => {
    expect((await table('{"a": 1}\n{"a": 2}', "jsonl")).rowCount).toBe(2);
    expect(await table("", "jsonl")).toEqual({ kind: "table", format: "jsonl", rowCount: 0, columns: [], sampleRows: [] });
  });

  it("refuses a file whose keys never repeat (a map keyed by id spread over columns)", async () => {
    const lines = Array.from({ length: 10_001 }, (_, i) => JSON.stringify({ [`user_${i}`]: i })).join("\n");
    expect(await formatError(profileDataset(write(lines, "wide.jsonl"), "jsonl"))).toMatch(/^The JSON Lines file has more than 10,000 columns\./);
  });
});

describe("Parquet", () => {
  it("profiles every column of every row group, with types from the schema", async () => {
    const profile = await profileDataset(fixture("people.parquet"), "parquet");
    expect(datasetProfileSchema.parse(JSON.parse(JSON.stringify(profile)))).toEqual(profile);
    if (profile.kind !== "table") throw new Error("expected a table");
    expect(profile.format).toBe("parquet");
    expect(profile.rowCount).toBe(5);
    expect(profile.columns.map((c) => [c.name, c.type, c.missing, c.distinct])).toEqual([
      ["id", "integer", 0, 5],
      ["score", "float", 2, 3], // null and NaN are missing
      ["weight", "float", 0, 4], // FLOAT column of whole numbers: still float
      ["name", "string", 1, 3],
      ["active", "boolean", 1, 2],
      ["joined", "datetime", 1, 3],
      ["day", "datetime", 1, 4],
      ["price", "float", 1, 4], // DECIMAL(10, 2)
      ["tags", "string", 1, 3], // list<string>, as JSON text
      ["nothing", "empty", 5, 0],
    ]);
    expect(column(profile, "id")).toMatchObject({ min: 1, max: 5, mean: 3 });
    expect(counts(column(profile, "id"))).toEqual(spikes({ 0: 1, 5: 1, 10: 1, 15: 1, 19: 1 }));
    expect(column(profile, "score")).toMatchObject({ min: 1.5, max: 4, mean: 8 / 3 });
    expect(column(profile, "weight")).toMatchObject({ min: 1, max: 4, mean: 2.4 });
    expect(column(profile, "price")).toMatchObject({ min: 0.5, max: 10 });
    expect(column(profile, "price").mean).toBeCloseTo(5.935, 12);
    expect(column(profile, "name").topValues).toEqual([
      { value: "ann", count: 2 },
      { value: "bob", count: 1 },
      { value: "cy", count: 1 },
    ]);
    expect(column(profile, "active").topValues).toEqual([
      { value: "true", count: 3 },
      { value: "false", count: 1 },
    ]);
    expect(column(profile, "joined")).toMatchObject({ min: "2023-12-31T23:59:59.000Z", max: "2024-06-01T00:00:00.000Z", histogram: null });
    expect(column(profile, "day")).toMatchObject({ min: "2020-02-29", max: "2024-01-03" });
    expect(column(profile, "tags").topValues).toEqual([
      { value: '["a","b"]', count: 2 },
      { value: '["c"]', count: 1 },
      { value: "[]", count: 1 },
    ]);
    expect(column(profile, "nothing")).toEqual({ name: "nothing", type: "empty", missing: 5, distinct: 0, distinctCapped: false, ...none, topValues: null });
    expect(profile.sampleRows).toEqual([
      { id: 1, score: 1.5, weight: 1, name: "ann", active: true, joined: "2024-01-02T03:04:05.000Z", day: "2024-01-01", price: 9.99, tags: ["a", "b"], nothing: null },
      { id: 2, score: "NaN", weight: 2, name: "bob", active: false, joined: "2023-12-31T23:59:59.000Z", day: "2024-01-02", price: 0.5, tags: [], nothing: null },
      { id: 3, score: 2.5, weight: 2, name: null, active: true, joined: null, day: "2024-01-03", price: null, tags: null, nothing: null },
      { id: 4, score: null, weight: 3, name: "ann", active: null, joined: "2024-06-01T00:00:00.000Z", day: null, price: 10, tags: ["c"], nothing: null },
      { id: 5, score: 4, weight: 4, name: "cy", active: true, joined: "2024-01-02T03:04:05.000Z", day: "2020-02-29", price: 3.25, tags: ["a", "b"], nothing: null },
    ]);
  });

  it("rejects a truncated or damaged file", async () => {
    const bytes = readFileSync(fixture("people.parquet"));
    expect(await formatError(profileDataset(write(bytes.subarray(0, bytes.length - 100), "cut.parquet"), "parquet"))).toMatch(
      /^The Parquet file is incomplete or damaged: its footer is missing or unreadable .*upload it again\.$/,
    );
    expect(await formatError(profileDataset(write(bytes.subarray(0, 6), "tiny.parquet"), "parquet"))).toMatch(/^The Parquet file is incomplete or damaged/);
    // Footer intact, pages overwritten: the damage is found while decoding.
    const damaged = Buffer.from(bytes);
    for (let i = 4; i < 1200; i++) damaged[i] ^= 0x5a;
    expect(await formatError(profileDataset(write(damaged, "damaged.parquet"), "parquet"))).toMatch(/^The Parquet file is damaged and could not be read: /);
  });

  it.each(["gzip", "zstd", "brotli"])("reads %s-compressed files like the snappy one", async (codec) => {
    const plain = await profileDataset(fixture("people.parquet"), "parquet");
    const compressed = await profileDataset(fixture(`people-${codec}.parquet`), "parquet");
    if (plain.kind !== "table" || compressed.kind !== "table") throw new Error("expected tables");
    expect(compressed.rowCount).toBe(plain.rowCount);
    expect(compressed.columns.map((c) => [c.name, c.missing, c.distinct])).toEqual(plain.columns.map((c) => [c.name, c.missing, c.distinct]));
  });
});

describe("zip", () => {
  it("lists files by extension without extracting them; directories are skipped", async () => {
    const profile = await profileDataset(fixture("images.zip"), "zip");
    expect(datasetProfileSchema.parse(profile)).toEqual(profile);
    expect(profile).toEqual<FilesProfile>({
      kind: "files",
      format: "zip",
      fileCount: 6,
      totalBytes: 401,
      byExtension: [
        { extension: "png", count: 2, bytes: 300 },
        { extension: "jpg", count: 1, bytes: 50 },
        { extension: "csv", count: 1, bytes: 35 },
        { extension: "tar.gz", count: 1, bytes: 10 },
        { extension: "", count: 1, bytes: 6 },
      ],
      sample: [
        { path: "images/cat.png", bytes: 100 },
        { path: "images/dog.PNG", bytes: 200 },
        { path: "images/sub/bird.jpg", bytes: 50 },
        { path: "labels.csv", bytes: 35 },
        { path: "README", bytes: 6 },
        { path: "archive.tar.gz", bytes: 10 },
      ],
    });
  });

  it("keeps the first 50 files as the sample, and handles an empty archive", async () => {
    const many = (await profileDataset(fixture("many.zip"), "zip")) as FilesProfile;
    expect(many.fileCount).toBe(60);
    expect(many.byExtension).toEqual([{ extension: "jsonl", count: 60, bytes: 5310 }]);
    expect(many.sample).toHaveLength(50);
    expect(many.sample[49]).toEqual({ path: "shards/part-049.jsonl", bytes: 147 });
    expect(await profileDataset(fixture("empty.zip"), "zip")).toEqual({ kind: "files", format: "zip", fileCount: 0, totalBytes: 0, byExtension: [], sample: [] });
  });

  it("rejects entries that would escape the folder (zip-slip)", async () => {
    expect(await formatError(profileDataset(fixture("slip.zip"), "zip"))).toBe(
      'The zip file is unsafe: entry 2 ("data/../../evil.sh") goes up a folder with "..". Every path in the archive must stay inside it (no absolute paths, no ".."); re-create the zip from the folder itself.',
    );
    expect(await formatError(profileDataset(fixture("absolute.zip"), "zip"))).toMatch(/^The zip file is unsafe: entry 1 \("\/etc\/cron\.d\/evil"\) is an absolute path\./);
    expect(await formatError(profileDataset(fixture("backslash.zip"), "zip"))).toMatch(/^The zip file is unsafe: entry 1 \("\.\.\/\.\.\/evil\.bat"\) goes up a folder/);
  });

  it("rejects a truncated or damaged archive", async () => {
    const bytes = readFileSync(fixture("images.zip"));
    expect(await formatError(profileDataset(write(bytes.subarray(0, bytes.length - 30), "cut.zip"), "zip"))).toBe(
      "The zip file is incomplete or damaged: its table of contents (at the end of the file) is missing. It was probably cut short; upload it again.",
    );
    // Table of contents present, but pointing past the end of the file.
    const moved = Buffer.from(bytes);
    moved.writeUInt32LE(bytes.length + 1000, bytes.length - 6); // central directory offset
    expect(await formatError(profileDataset(write(moved, "moved.zip"), "zip"))).toMatch(/^The zip file is damaged/);
    expect(await formatError(profileDataset(write("just text", "text.zip"), "zip"))).toMatch(/^The zip file is incomplete or damaged/);
  });
});

describe("profileDataset", () => {
  it("fails plainly (not as a format error) when the file does not exist", async () => {
    const missing = profileDataset(path.join(dir, "nope.csv"), "csv");
    await expect(missing).rejects.toThrow(/ENOENT/);
    await expect(profileDataset(path.join(dir, "nope.csv"), "csv")).rejects.not.toBeInstanceOf(DatasetFormatError);
  });

  it("trusts the caller's format, and a wrong one fails as a format error", async () => {
    const copy = path.join(dir, "images-copy.csv");
    copyFileSync(fixture("images.zip"), copy);
    expect(await formatError(profileDataset(copy, "csv"))).toMatch(/not valid UTF-8/);
    expect(await formatError(profileDataset(write("a,b\n1,2\n"), "parquet"))).toMatch(/^The Parquet file is incomplete or damaged/);
  });
});
