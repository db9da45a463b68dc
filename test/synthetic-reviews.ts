// A synthetic text classification dataset for automated labeling's tests: most reviews are easy
// (each names its class with two words only that class uses), every `ambiguousEvery`-th is
// ambiguous (one word of each class, its truth a coin flip), so a model separates the easy ones and
// is unsure of the rest. (With small validation splits a threshold may dip into the ambiguous ones
// by luck; keeping them few keeps the machine's held-out accuracy above the target even then.)
import { mulberry32, randomInt } from "@/test/prng";

const GOOD = ["great", "excellent", "wonderful", "superb", "lovely", "perfect", "brilliant", "fantastic"];
const BAD = ["awful", "terrible", "broken", "horrible", "useless", "dreadful", "faulty", "disappointing"];
const FILLER = ["the", "product", "arrived", "on", "time", "box", "colour", "size", "after", "week", "my", "it", "was", "and", "with", "for"];

export interface SyntheticReview {
  text: string;
  /** 0 good, 1 bad. */
  truth: number;
  easy: boolean;
}

export function syntheticReviews(n: number, seed = 7, ambiguousEvery = 15): SyntheticReview[] {
  const random = mulberry32(seed);
  const pick = (words: string[]) => words[randomInt(random, words.length)];
  return Array.from({ length: n }, (_, i) => {
    const easy = i % ambiguousEvery !== ambiguousEvery - 1;
    const truth = randomInt(random, 2);
    const words = Array.from({ length: 6 }, () => pick(FILLER));
    if (easy) words.push(pick(truth === 0 ? GOOD : BAD), pick(truth === 0 ? GOOD : BAD));
    else words.push(pick(GOOD), pick(BAD));
    for (let j = words.length - 1; j > 0; j--) {
      const k = randomInt(random, j + 1);
      [words[j], words[k]] = [words[k], words[j]];
    }
    return { text: words.join(" "), truth, easy };
  });
}

/** The reviews as a CSV file with a `review` column (item seq = row index). */
export const reviewsCsv = (reviews: SyntheticReview[]): string => `id,review\n${reviews.map((r, i) => `${i},"${r.text}"`).join("\n")}\n`;
