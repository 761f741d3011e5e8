import { describe, expect, it } from 'vitest';
import { FakeWebContents } from './fake-web-contents';
import { preventWebviews } from './webview';

describe('webviews', () => {
  it('are never attached', () => {
    const contents = new FakeWebContents();
    preventWebviews(contents.asWebContents);
    expect(contents.navigate('will-attach-webview', 'https://evil.example/')).toBe(true);
  });
});
