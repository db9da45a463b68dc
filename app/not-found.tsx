import Link from "next/link";

export default function NotFound() {
  return (
    <main className="grid min-h-screen place-items-center">
      <div className="text-center">
        <p className="text-4xl font-semibold text-zinc-300 dark:text-zinc-700">404</p>
        <h1 className="mt-2 text-lg font-semibold">Nothing here</h1>
        <Link href="/" className="mt-2 inline-block text-sm text-sky-700 hover:underline dark:text-sky-400">
          Back to the studio
        </Link>
      </div>
    </main>
  );
}
