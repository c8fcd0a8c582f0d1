// Runs the compiled client from valid/bookstore.api against a fake fetch:
// what goes on the wire, and how answers are unwrapped or turned into errors.
"use strict";
const assert = require("node:assert/strict");
const api = require("./out/api.js");
const { ApiError, configure } = require("./out/client.js");

const sent = [];
const answers = [];
configure({
  baseUrl: "http://svc/",
  token: async () => "tok",
  fetch: async (url, init) => {
    sent.push({ url, init });
    const answer = answers.shift();
    assert.ok(answer, `no answer queued for ${url}`);
    return answer;
  },
});

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}
const ok = (data) => json(200, data === undefined ? { code: 0, msg: "ok" } : { code: 0, msg: "ok", data });

async function main() {
  // GET: form fields in the query (lists repeat their key), headers, no token, no body
  answers.push(ok({ items: [], total: 3, stats: { counts: {}, ratio: 0 } }));
  const page = await api.listBooks({ page: 2, sort: "hot", tags: ["a", "b"], "Accept-Language": "en" });
  assert.equal(page.total, 3);
  let call = sent.pop();
  assert.equal(call.url, "http://svc/api/v1/books?page=2&sort=hot&tags=a&tags=b");
  assert.equal(call.init.method, "GET");
  assert.equal(call.init.headers["Accept-Language"], "en");
  assert.equal(call.init.headers.Authorization, undefined);
  assert.equal(call.init.body, undefined);

  // POST with JSON fields: form fields go to the query, the token is sent
  answers.push(ok({ id: 9 }));
  const book = await api.createBook({
    "X-Request-Id": "r1",
    notify: true,
    title: "T",
    authorIds: [1],
    price: { amount: 100 },
  });
  assert.equal(book.id, 9);
  call = sent.pop();
  assert.equal(call.url, "http://svc/api/v1/books?notify=true");
  assert.equal(call.init.method, "POST");
  assert.equal(call.init.headers.Authorization, "Bearer tok");
  assert.equal(call.init.headers["X-Request-Id"], "r1");
  assert.equal(call.init.headers["Content-Type"], "application/json");
  assert.deepEqual(JSON.parse(call.init.body), { title: "T", authorIds: [1], price: { amount: 100 } });

  // POST with form fields only: a url-encoded body; path parameters in place
  answers.push(ok({ counts: { "5": 1 }, ratio: 1 }));
  await api.rateBook({ id: 7, stars: 5, comment: "a b&c" });
  call = sent.pop();
  assert.equal(call.url, "http://svc/api/v1/books/7/ratings");
  assert.equal(call.init.headers["Content-Type"], "application/x-www-form-urlencoded");
  assert.equal(call.init.body, "stars=5&comment=a+b%26c");

  // a path parameter the request type lacks, encoded for its segment
  answers.push(ok({ url: "u", width: 1, height: 2 }));
  const image = await api.coverOf({ id: "a/b" });
  assert.equal(image.height, 2);
  assert.equal(sent.pop().url, "http://svc/api/v1/books/a%2Fb/cover");

  // no response type: resolves to undefined
  answers.push(ok());
  assert.equal(await api.deleteBook({ id: 1 }), undefined);
  call = sent.pop();
  assert.equal(call.init.method, "DELETE");
  assert.equal(call.url, "http://svc/api/v1/books/1");

  // HEAD: no body to unwrap
  answers.push(new Response(null, { status: 200 }));
  assert.equal(await api.ping(), undefined);
  assert.equal(sent.pop().init.method, "HEAD");

  // a business error: HTTP 200 with a non-zero code
  answers.push(json(200, { code: 10002, msg: "book is gone" }));
  await assert.rejects(api.getBook({ id: 1 }), (e) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 10002);
    assert.equal(e.status, 200);
    assert.equal(e.message, "book is gone");
    return true;
  });
  sent.pop();

  // an error rzero answers itself: the status and its envelope
  answers.push(json(401, { code: 401, msg: "token expired" }));
  await assert.rejects(api.updateBook({ id: 1, title: null }), (e) => e instanceof ApiError && e.code === 401 && e.status === 401);
  assert.deepEqual(JSON.parse(sent.pop().init.body), { title: null });

  // a failure without an envelope: the HTTP status as the code
  answers.push(new Response("bad gateway", { status: 502, statusText: "Bad Gateway" }));
  await assert.rejects(api.listCategories(), (e) => e instanceof ApiError && e.code === 502 && e.message === "Bad Gateway");
  sent.pop();

  // a 2xx answer that is not an envelope
  answers.push(new Response("<html>", { status: 200 }));
  await assert.rejects(api.listCategories(), (e) => e instanceof ApiError && e.status === 200);
  sent.pop();

  // server-sent events: the JSON data of each event, across chunk boundaries
  const chunks = ['data: {"kind":"a","book":{}}\n\n: comment\n\nda', 'ta: {"kind":"b",\ndata: "book":{}}\r\n\r\n'];
  answers.push(
    new Response(
      new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        },
      }),
      { status: 200, headers: { "Content-Type": "text/event-stream" } },
    ),
  );
  const kinds = [];
  for await (const event of api.watch({ topic: "books" })) kinds.push(event.kind);
  assert.deepEqual(kinds, ["a", "b"]);
  call = sent.pop();
  assert.equal(call.url, "http://svc/api/v1/watch?topic=books");
  assert.equal(call.init.headers.Accept, "text/event-stream");

  // per-call options: another config, extra headers
  let seen;
  answers.push(ok([]));
  await api.listCategories({
    headers: { "X-Trace": "1" },
    config: {
      baseUrl: "http://other",
      fetch: async (url, init) => {
        seen = { url, init };
        return answers.shift();
      },
    },
  });
  assert.equal(seen.url, "http://other/api/v1/categories");
  assert.equal(seen.init.headers["X-Trace"], "1");

  assert.equal(sent.length, 0);
  assert.equal(answers.length, 0);
  console.log("generated client: all runtime checks passed");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
