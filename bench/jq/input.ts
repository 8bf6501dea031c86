// The bench input: an order as a workflow task sees it (20 items), fixed so that runs
// compare.
const TAGS = ['book', 'tool', 'food', 'toy'];

export const order = {
  order: {
    id: 'ord-1042',
    status: 'paid',
    createdAt: '2015-03-05T23:51:47Z',
    customer: { name: 'Ada Lovelace', email: 'ada.lovelace@example.com', tier: 'gold' },
    items: Array.from({ length: 20 }, (_, i) => ({
      sku: `sku-${100 + i}`,
      price: ((i * 37) % 50) + 0.5,
      qty: (i * 7) % 5,
      tag: TAGS[i % TAGS.length]!,
    })),
  },
};
