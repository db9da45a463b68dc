/** How a link inside text looks, everywhere. */
export const linkClass = "text-sky-700 hover:underline dark:text-sky-400";
