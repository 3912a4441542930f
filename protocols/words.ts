// Wording the protocol modules share: an inclusive range of addresses or instances as a plant
// writes it ("0-9", "20").

/** "0-9", or "20" for a range of one. */
export const rangeText = ([x, y]: readonly [number, number]): string => (x === y ? `${x}` : `${x}-${y}`);
