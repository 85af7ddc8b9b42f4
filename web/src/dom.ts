// Small DOM helpers shared by the lab's modules.

/** The element with this id; throws when the page lacks it. */
export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing element #${id}`);
  return element as T;
}

/** Sets an element's text only when it changed (each change costs a layout). */
export function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** Offers text to the user as a downloaded file. */
export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Fills a select with one option per value. */
export function fillSelect<T extends string | number>(
  select: HTMLSelectElement,
  values: readonly T[],
  label: (value: T) => string = String,
): void {
  select.replaceChildren(
    ...values.map((v) => {
      const option = document.createElement('option');
      option.value = String(v);
      option.textContent = label(v);
      return option;
    }),
  );
}

/** A learning rate in two significant digits, without trailing zeros. */
export function formatRate(lr: number): string {
  return lr === 0
    ? '0'
    : lr
        .toPrecision(2)
        .replace(/(\.\d*?)0+$/, '$1')
        .replace(/\.$/, '');
}

/** A rule's name as the page shows it. */
export function ruleLabel(rule: string): string {
  return rule === 'sar' ? 'SaR' : rule === 'backprop' ? 'backprop (GDM)' : rule;
}
