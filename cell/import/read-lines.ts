// Streams a file line by line with the line number and how far into the file it is.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

export async function* readLines(path: string): AsyncGenerator<{ text: string; number: number; bytesRead: number }> {
  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: 256 * 1024 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let number = 0;
  for await (const text of lines) {
    number++;
    yield { text, number, bytesRead: stream.bytesRead };
  }
}
