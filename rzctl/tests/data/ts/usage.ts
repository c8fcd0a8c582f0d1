// Type-checked against the client generated from valid/bookstore.api: what
// must compile, and (@ts-expect-error) what must not.

import * as api from "./api";
import { ApiError, configure } from "./client";
import type { Book, ListBooksResp } from "./types";

configure({ baseUrl: "https://books.example.com", token: () => "token" });

export async function usage(): Promise<number> {
  const page: ListBooksResp = await api.listBooks({ sort: "hot", tags: ["a"], page: 2 });
  const first: Book | undefined = page.items[0];
  const cover: { url: string; width: number } | null = first ? first.cover : null;

  // @ts-expect-error sort takes only the declared options
  await api.listBooks({ sort: "oldest" });

  // @ts-expect-error title is required
  await api.createBook({ "X-Request-Id": "r", authorIds: [], price: { amount: 1 } });

  const created = await api.createBook({
    "X-Request-Id": "r",
    title: "Dune",
    authorIds: [1],
    price: { amount: 999, currency: "USD" },
  });

  // @ts-expect-error currency takes only the declared options
  await api.createBook({ "X-Request-Id": "r", title: "t", authorIds: [], price: { amount: 1, currency: "GBP" } });

  const image = await api.coverOf({ id: created.id });
  const nothing: void = await api.deleteBook({ id: 1, reason: "sold" });
  await api.ping();

  let kinds = 0;
  for await (const event of api.watch({ topic: "books" })) {
    kinds += event.kind.length + event.book.authors.length;
  }
  try {
    await api.getBook({ id: 1, fields: ["title"] });
  } catch (e) {
    if (e instanceof ApiError) return e.code + e.status;
  }
  return kinds + image.width + (cover ? cover.width : 0) + (nothing === undefined ? 0 : 1);
}
