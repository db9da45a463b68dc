// A synthetic image classification dataset for automated labeling's tests: noisy backgrounds with
// one shape (square, circle or bar, any size and place) that is red (truth 0) or blue (truth 1);
// every `ambiguousEvery`-th is purple, its truth a coin flip, so a model trained on the images
// separates the easy ones and is unsure of the rest. PNGs and JPEGs of varying sizes.
import sharp from "sharp";
import { mulberry32, randomInt } from "@/test/prng";

export interface SyntheticShape {
  /** The file's name in the zip (sorted by index). */
  name: string;
  bytes: Buffer;
  /** 0 red, 1 blue. */
  truth: number;
  easy: boolean;
}

export async function syntheticShapes(n: number, seed = 11, ambiguousEvery = 15): Promise<SyntheticShape[]> {
  const random = mulberry32(seed);
  const between = (lo: number, hi: number) => lo + randomInt(random, hi - lo + 1);
  const shapes: SyntheticShape[] = [];
  for (let i = 0; i < n; i++) {
    const easy = i % ambiguousEvery !== ambiguousEvery - 1;
    const truth = randomInt(random, 2);
    const [r, g, b] = easy ? (truth === 0 ? [210, 40, 40] : [40, 40, 210]) : [150, 40, 150];
    const fill = `rgb(${r + between(-30, 30)},${g + between(-20, 20)},${b + between(-30, 30)})`;
    const width = between(48, 120);
    const height = between(48, 120);
    const size = between(Math.floor(Math.min(width, height) / 3), Math.floor(Math.min(width, height) / 2));
    const x = between(0, width - size);
    const y = between(0, height - size);
    const kind = randomInt(random, 3);
    const shape =
      kind === 0
        ? `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="${fill}"/>`
        : kind === 1
          ? `<circle cx="${x + size / 2}" cy="${y + size / 2}" r="${size / 2}" fill="${fill}"/>`
          : `<rect x="0" y="${y}" width="${width}" height="${Math.max(4, Math.floor(size / 3))}" fill="${fill}"/>`;
    const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shape}</svg>`);
    const image = sharp({ create: { width, height, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 30 } } }).composite([{ input: svg }]);
    const png = i % 2 === 0;
    const bytes = await (png ? image.png() : image.jpeg({ quality: 85 })).toBuffer();
    shapes.push({ name: `shapes/${String(i).padStart(5, "0")}.${png ? "png" : "jpg"}`, bytes, truth, easy });
  }
  return shapes;
}
