// The page refuses to unload while a layout change is not yet kept as a draft (its beforeunload).
// Electron then cancels the close silently unless the main process asks the user: this asks, and
// leaves only when the user chooses to.
import { dialog } from 'electron';
import type { BrowserWindow, Event } from 'electron';

export function confirmLeaveWithUnkeptChange(window: BrowserWindow): void {
  window.webContents.on('will-prevent-unload', (event: Event) => {
    // Electron reads preventDefault() synchronously here, so the question is asked synchronously.
    const choice = dialog.showMessageBoxSync(window, {
      type: 'warning',
      message: 'Your latest layout change is not kept yet.',
      detail:
        'Cohabit keeps the layout you are drawing as a draft a moment after each change, and this one has not been kept (or could not be). Leaving now loses it.',
      buttons: ['Stay', 'Leave and lose it'],
      defaultId: 0,
      cancelId: 0,
      noLink: true,
    });
    // preventDefault on will-prevent-unload ignores the page's refusal: the window goes.
    if (choice === 1) event.preventDefault();
  });
}
