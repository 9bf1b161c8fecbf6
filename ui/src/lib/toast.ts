// Short confirmations ("API published") announced politely to screen readers.
export interface Toast { id: number; message: string; tone: 'success' | 'error' | 'info' }

type Listener = (toasts: Toast[]) => void;
let toasts: Toast[] = [];
let next = 1;
const listeners = new Set<Listener>();

const emit = () => { for (const l of listeners) l(toasts); };

export function toast(message: string, tone: Toast['tone'] = 'success'): void {
  const t = { id: next++, message, tone };
  toasts = [...toasts, t].slice(-4);
  emit();
  setTimeout(() => dismiss(t.id), 4000);
}

export function dismiss(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

export function onToasts(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export const currentToasts = (): Toast[] => toasts;
