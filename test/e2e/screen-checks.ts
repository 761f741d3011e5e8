// What a screenshot must show, asserted before it is taken: an element lies inside the window,
// and the page is drawn in the theme it claims.
import type { Locator, Page } from 'playwright-core';

/** True when the element's top (its first 40 px, or all of it) lies inside the viewport. */
export async function inViewport(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const size = page.viewportSize();
  if (box === null || size === null) return false;
  return (
    box.x >= 0 &&
    box.x + box.width <= size.width &&
    box.y >= 0 &&
    box.y + Math.min(box.height, 40) <= size.height
  );
}

/** The page's background and heading colours, to tell a light page from a dark one. */
export function pageColours(page: Page): Promise<{ background: string; heading: string }> {
  return page.evaluate(() => ({
    background: getComputedStyle(document.body).backgroundColor,
    heading: getComputedStyle(document.querySelector('h1') ?? document.body).color,
  }));
}

export const LIGHT = { background: 'rgb(246, 247, 249)', heading: 'rgb(27, 31, 36)' };
export const DARK = { background: 'rgb(21, 24, 28)', heading: 'rgb(230, 233, 237)' };
