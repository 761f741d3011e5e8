// The layout being edited lives here, outside the view, so it survives a visit to another view
// (and the Plan view can read the same layout later).
import type { LayoutHistory } from './layout-store';

export const layoutSession = $state<{ history: LayoutHistory | null }>({ history: null });
