import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { isTemplate, matchWith, parse } from "../../src/server/UriTemplate.ts"

/** The variables of RFC 6570 section 3.2 (associative arrays left out: not supported). */
const rfc = {
  count: ["one", "two", "three"],
  dom: ["example", "com"],
  dub: "me/too",
  hello: "Hello World!",
  half: "50%",
  var: "value",
  who: "fred",
  base: "http://example.com/home/",
  path: "/foo/bar",
  list: ["red", "green", "blue"],
  v: "6",
  x: "1024",
  y: "768",
  empty: "",
  empty_keys: [],
  undef: undefined
} as const

const expands = (table: ReadonlyArray<readonly [string, string]>) => {
  for (const [template, expected] of table) {
    assert.strictEqual(parse(template).expand(rfc), expected, template)
  }
}

/** How many times matching reads the URI (calls of its string methods), and what it gives. */
const readsOf = (template: string, uri: string) => {
  let calls = 0
  const counted = new (class extends String {})(uri)
  for (const method of ["charCodeAt", "startsWith", "endsWith", "indexOf", "includes", "slice"] as const) {
    const original = String.prototype[method] as (...args: Array<unknown>) => unknown
    Object.defineProperty(counted, method, {
      value: (...args: Array<unknown>) => {
        calls++
        return original.apply(uri, args)
      }
    })
  }
  const result = parse(template).match(counted as unknown as string)
  return { calls, result }
}

describe("UriTemplate.expand (RFC 6570 section 3.2)", () => {
  it("3.2.1 variable expansion", () => {
    expands([
      ["{count}", "one,two,three"],
      ["{count*}", "one,two,three"],
      ["{/count}", "/one,two,three"],
      ["{/count*}", "/one/two/three"],
      ["{;count}", ";count=one,two,three"],
      ["{;count*}", ";count=one;count=two;count=three"],
      ["{?count}", "?count=one,two,three"],
      ["{?count*}", "?count=one&count=two&count=three"],
      ["{&count*}", "&count=one&count=two&count=three"]
    ])
  })

  it("3.2.2 simple string expansion", () => {
    expands([
      ["{var}", "value"],
      ["{hello}", "Hello%20World%21"],
      ["{half}", "50%25"],
      ["O{empty}X", "OX"],
      ["O{undef}X", "OX"],
      ["{x,y}", "1024,768"],
      ["{x,hello,y}", "1024,Hello%20World%21,768"],
      ["?{x,empty}", "?1024,"],
      ["?{x,undef}", "?1024"],
      ["?{undef,y}", "?768"],
      ["{var:3}", "val"],
      ["{var:30}", "value"],
      ["{list}", "red,green,blue"],
      ["{list*}", "red,green,blue"],
      ["O{empty_keys}X", "OX"]
    ])
  })

  it("treats an empty list as undefined for every operator (RFC 6570 section 2.3)", () => {
    expands([
      ["X{.empty_keys}", "X"],
      ["X{/empty_keys*}", "X"],
      ["X{;empty_keys}", "X"],
      ["X{?empty_keys*}", "X"],
      ["X{&x,empty_keys}", "X&x=1024"]
    ])
  })

  it("3.2.3 reserved expansion", () => {
    expands([
      ["{+var}", "value"],
      ["{+hello}", "Hello%20World!"],
      ["{+half}", "50%25"],
      ["{base}index", "http%3A%2F%2Fexample.com%2Fhome%2Findex"],
      ["{+base}index", "http://example.com/home/index"],
      ["O{+empty}X", "OX"],
      ["O{+undef}X", "OX"],
      ["{+path}/here", "/foo/bar/here"],
      ["here?ref={+path}", "here?ref=/foo/bar"],
      ["up{+path}{var}/here", "up/foo/barvalue/here"],
      ["{+x,hello,y}", "1024,Hello%20World!,768"],
      ["{+path,x}/here", "/foo/bar,1024/here"],
      ["{+path:6}/here", "/foo/b/here"],
      ["{+list}", "red,green,blue"],
      ["{+list*}", "red,green,blue"]
    ])
  })

  it("3.2.4 fragment expansion", () => {
    expands([
      ["{#var}", "#value"],
      ["{#hello}", "#Hello%20World!"],
      ["{#half}", "#50%25"],
      ["foo{#empty}", "foo#"],
      ["foo{#undef}", "foo"],
      ["{#x,hello,y}", "#1024,Hello%20World!,768"],
      ["{#path,x}/here", "#/foo/bar,1024/here"],
      ["{#path:6}/here", "#/foo/b/here"],
      ["{#list}", "#red,green,blue"],
      ["{#list*}", "#red,green,blue"]
    ])
  })

  it("3.2.5 label expansion with dot-prefix", () => {
    expands([
      ["{.who}", ".fred"],
      ["{.who,who}", ".fred.fred"],
      ["{.half,who}", ".50%25.fred"],
      ["www{.dom*}", "www.example.com"],
      ["X{.var}", "X.value"],
      ["X{.empty}", "X."],
      ["X{.undef}", "X"],
      ["X{.var:3}", "X.val"],
      ["X{.list}", "X.red,green,blue"],
      ["X{.list*}", "X.red.green.blue"]
    ])
  })

  it("3.2.6 path segment expansion", () => {
    expands([
      ["{/who}", "/fred"],
      ["{/who,who}", "/fred/fred"],
      ["{/half,who}", "/50%25/fred"],
      ["{/who,dub}", "/fred/me%2Ftoo"],
      ["{/var}", "/value"],
      ["{/var,empty}", "/value/"],
      ["{/var,undef}", "/value"],
      ["{/var,x}/here", "/value/1024/here"],
      ["{/var:1,var}", "/v/value"],
      ["{/list}", "/red,green,blue"],
      ["{/list*}", "/red/green/blue"],
      ["{/list*,path:4}", "/red/green/blue/%2Ffoo"]
    ])
  })

  it("3.2.7 path-style parameter expansion", () => {
    expands([
      ["{;who}", ";who=fred"],
      ["{;half}", ";half=50%25"],
      ["{;empty}", ";empty"],
      ["{;v,empty,who}", ";v=6;empty;who=fred"],
      ["{;v,bar,who}", ";v=6;who=fred"],
      ["{;x,y}", ";x=1024;y=768"],
      ["{;x,y,empty}", ";x=1024;y=768;empty"],
      ["{;x,y,undef}", ";x=1024;y=768"],
      ["{;hello:5}", ";hello=Hello"],
      ["{;list}", ";list=red,green,blue"],
      ["{;list*}", ";list=red;list=green;list=blue"]
    ])
  })

  it("3.2.8 form-style query expansion", () => {
    expands([
      ["{?who}", "?who=fred"],
      ["{?half}", "?half=50%25"],
      ["{?x,y}", "?x=1024&y=768"],
      ["{?x,y,empty}", "?x=1024&y=768&empty="],
      ["{?x,y,undef}", "?x=1024&y=768"],
      ["{?var:3}", "?var=val"],
      ["{?list}", "?list=red,green,blue"],
      ["{?list*}", "?list=red&list=green&list=blue"],
      ["{?undef}", ""]
    ])
  })

  it("3.2.9 form-style query continuation", () => {
    expands([
      ["{&who}", "&who=fred"],
      ["{&half}", "&half=50%25"],
      ["?fixed=yes{&x}", "?fixed=yes&x=1024"],
      ["{&x,y,empty}", "&x=1024&y=768&empty="],
      ["{&var:3}", "&var=val"],
      ["{&list}", "&list=red,green,blue"],
      ["{&list*}", "&list=red&list=green&list=blue"]
    ])
  })

  it("encodes UTF-8, keeps pct-triplets only for reserved expansion, and counts prefixes in code points", () => {
    const t = parse("{a}|{+a}|{b:2}")
    assert.strictEqual(t.expand({ a: "é%41 ", b: "😀é!" }), "%C3%A9%2541%20%7C%C3%A9%41%20%7C%F0%9F%98%80%C3%A9")
  })

  it("refuses a key/value object or a list item that is not a string, number or boolean, naming the variable", () => {
    const t = parse("x://{+base}{?keys*}")
    const refused = (values: Record<string, unknown>) => {
      try {
        t.expand(values as never)
      } catch (error) {
        assert.instanceOf(error, TypeError)
        return (error as TypeError).message
      }
      return assert.fail("expand did not throw")
    }
    // Fails before: "value.map is not a function"
    assert.strictEqual(
      refused({ keys: { a: "1" } }),
      `UriTemplate "x://{+base}{?keys*}": expand got an object ([object Object]) for keys; it takes a string, a number, a boolean or a list of them (key/value values, RFC 6570's associative arrays, are not supported)`
    )
    assert.include(refused({ base: new Date(0) }), "expand got an object ([object Date]) for base;")
    // Before: written as "[object Object]".
    assert.include(refused({ keys: ["a", { b: 1 }] }), "expand got an object ([object Object]) for keys[1];")
    assert.include(refused({ keys: 1n }), "expand got a bigint for keys;")
    assert.strictEqual(t.expand({ base: "a", keys: ["1", 2, true] }), "x://a?keys=1&keys=2&keys=true")
  })

  it("stringifies numbers and booleans, reads only own properties, and encodes literals", () => {
    const t = parse("x://é{n}/{flag}/{constructor}")
    assert.strictEqual(t.expand({ n: 42, flag: false }), "x://%C3%A942/false/")
  })
})

describe("UriTemplate.parse", () => {
  it("lists variable names once, in order of appearance", () => {
    assert.deepStrictEqual(parse("x://{b}/{+a}{?c,b*}{&d:3}").variables, ["b", "a", "c", "d"])
    assert.deepStrictEqual(parse("no/variables").variables, [])
    assert.strictEqual(parse("a{b}").template, "a{b}")
  })

  it("lists the variables match gives as arrays: the exploded ones of / . ; ? &", () => {
    const template = parse("x://{a*}{+b*}{#c*}{/d*}{.e*}{;f*}{/g}{?h*,i}{&j*}")
    assert.deepStrictEqual(template.listVariables, ["d", "e", "f", "h", "j"])
    const matched = template.match("x://a1b1#c1/d1/d2.e1;f;f=2/g1?h=1&i=2&j=3")
    assert.isDefined(matched)
    for (const name of template.variables) {
      assert.strictEqual(Array.isArray(matched![name]), template.listVariables.includes(name), name)
    }
  })

  it("throws a descriptive error for malformed templates", () => {
    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      ["test://{id", /unclosed "\{" at position 7/],
      ["{", /unclosed/],
      ["a}b", /unmatched "\}" at position 1/],
      ["{a{b}}", /inside the expression/],
      ["x://{}", /empty expression/],
      ["{+}", /empty variable name/],
      ["{x,}", /empty variable name/],
      ["{,x}", /operator "," .*reserved/],
      ["{=x}", /operator "=" .*reserved/],
      ["{|x}", /operator "\|" .*reserved/],
      ["{$x}", /unknown operator "\$"/],
      ["{user-id}", /invalid variable name "user-id"/],
      ["{a..b}", /invalid variable name/],
      ["{x:0}", /invalid prefix length "0"/],
      ["{x:10000}", /invalid prefix length/],
      ["{x:}", /invalid prefix length/],
      ["{x:3*}", /both a prefix and an explode/],
      ["{*}", /empty variable name/],
      ["{:3}", /empty variable name/]
    ]
    for (const [template, message] of cases) {
      assert.throws(() => parse(template), message, undefined, template)
    }
  })

  it("accepts RFC variable names with dots, underscores and pct-encoded octets", () => {
    const t = parse("{a.b_c%41}")
    assert.deepStrictEqual(t.variables, ["a.b_c%41"])
    assert.deepStrictEqual(t.match("v"), { "a.b_c%41": "v" })
  })
})

describe("isTemplate", () => {
  it("is true only when there is an {expression}", () => {
    assert.isTrue(isTemplate("test://template/{id}/data"))
    assert.isTrue(isTemplate("x{?q}"))
    assert.isFalse(isTemplate("test://static/resource"))
    assert.isFalse(isTemplate("weird://{}"))
    assert.isFalse(isTemplate("half://{open"))
  })
})

describe("UriTemplate.match", () => {
  it("test://template/{id}/data", () => {
    const t = parse("test://template/{id}/data")
    assert.deepStrictEqual(t.match("test://template/42/data"), { id: "42" })
    assert.isUndefined(t.match("test://template//data"), "empty variable")
    assert.isUndefined(t.match("test://template/data"), "missing segment")
    assert.isUndefined(t.match("test://template/4/2/data"), "extra segment inside the variable")
    assert.isUndefined(t.match("test://template/42/data/more"), "extra segment")
    assert.isUndefined(t.match("prefix-test://template/42/data"), "anchored at the start")
    assert.isUndefined(t.match("other://template/42/data"), "wrong scheme")
    assert.isUndefined(t.match("test://template/42/data?x=1"), "no query expression: a query does not match")
    assert.isUndefined(t.match("test://template/42/data#frag"))
    assert.isUndefined(t.match("test://template/a&b/data"))
  })

  it("users://{id}/posts/{postId}", () => {
    const t = parse("users://{id}/posts/{postId}")
    assert.deepStrictEqual(t.match("users://alice/posts/7"), { id: "alice", postId: "7" })
    assert.isUndefined(t.match("users://alice/posts/"))
    assert.isUndefined(t.match("users://alice/comments/7"))
    assert.isUndefined(t.match("users:/alice/posts/7"))
  })

  it("file:///{+path} spans slashes but not a query or fragment", () => {
    const t = parse("file:///{+path}")
    assert.deepStrictEqual(t.match("file:///home/user/notes%20v2.txt"), { path: "home/user/notes v2.txt" })
    assert.deepStrictEqual(t.match("file:///a"), { path: "a" })
    assert.isUndefined(t.match("file:///"))
    assert.isUndefined(t.match("file:///a?b"))
    assert.isUndefined(t.match("file://a"))
  })

  it("files://{path*} is a multi-segment wildcard giving a string", () => {
    const t = parse("files://{path*}")
    assert.deepStrictEqual(t.match("files://a/b/c.txt"), { path: "a/b/c.txt" })
    assert.deepStrictEqual(t.match("files://x"), { path: "x" })
    assert.isUndefined(t.match("files://"))
    const nested = parse("repo://{owner}/{path*}/raw")
    assert.deepStrictEqual(nested.match("repo://me/src/a/b.ts/raw"), { owner: "me", path: "src/a/b.ts" })
  })

  it("github://repos/{owner}/{repo}/issues{?state,labels}: optional keys in any order", () => {
    const t = parse("github://repos/{owner}/{repo}/issues{?state,labels}")
    assert.deepStrictEqual(t.match("github://repos/effect/mcp/issues"), { owner: "effect", repo: "mcp" })
    assert.deepStrictEqual(t.match("github://repos/effect/mcp/issues?labels=bug,docs&state=open"), {
      owner: "effect",
      repo: "mcp",
      labels: "bug,docs",
      state: "open"
    })
    assert.deepStrictEqual(t.match("github://repos/effect/mcp/issues?state=closed"), {
      owner: "effect",
      repo: "mcp",
      state: "closed"
    })
    assert.deepStrictEqual(
      t.match("github://repos/effect/mcp/issues?page=2&state=&labels&state=open"),
      { owner: "effect", repo: "mcp", state: "", labels: "" },
      "unknown keys ignored, empty values kept, first value of a repeated key wins"
    )
    assert.deepStrictEqual(t.match("github://repos/effect/mcp/issues?"), { owner: "effect", repo: "mcp" })
    assert.isUndefined(t.match("github://repos/effect/issues?state=open"), "missing segment")
    assert.isUndefined(t.match("github://repos/effect/mcp/pulls?state=open"))
    assert.isUndefined(t.match("github://repos/effect/mcp/issues?state=%E0%A4%A"), "malformed value of a known key")
    assert.deepStrictEqual(
      t.match("github://repos/effect/mcp/issues?junk=%ZZ"),
      { owner: "effect", repo: "mcp" },
      "unknown keys are not decoded"
    )
  })

  it("exploded query variables collect arrays; {&...} continues the query", () => {
    const t = parse("search://q{?term,tag*}{&page}")
    assert.deepStrictEqual(t.match("search://q?tag=a&page=2&tag=b%20c&term=x"), {
      term: "x",
      tag: ["a", "b c"],
      page: "2"
    })
    assert.deepStrictEqual(t.match("search://q?tag=only"), { tag: ["only"] })
    const fixed = parse("api://x?fixed=yes{&a,b}")
    assert.deepStrictEqual(fixed.match("api://x?fixed=yes&b=2&zzz=0"), { b: "2" })
    assert.deepStrictEqual(fixed.match("api://x?fixed=yes"), {})
    assert.isUndefined(fixed.match("api://x?fixed=no&a=1"))
  })

  it("a fragment expression after a query expression", () => {
    const t = parse("doc://{id}{?v}{#section}")
    assert.deepStrictEqual(t.match("doc://readme?v=3#install/linux"), { id: "readme", v: "3", section: "install/linux" })
    assert.deepStrictEqual(t.match("doc://readme#intro"), { id: "readme", section: "intro" })
    assert.isUndefined(t.match("doc://readme?v=3"))
  })

  it("label, path-segment and path-style parameter operators", () => {
    assert.deepStrictEqual(parse("dns://www{.dom*}").match("dns://www.example.com"), { dom: ["example", "com"] })
    assert.deepStrictEqual(parse("f://{name}{.ext}").match("f://archive.tar.gz"), { name: "archive.tar", ext: "gz" })
    assert.deepStrictEqual(parse("x://h{.a,b}").match("x://h.one.two"), { a: "one", b: "two" })
    assert.isUndefined(parse("x://h{.a,b}").match("x://h.one"))

    const segs = parse("fs://root{/segs*}")
    assert.deepStrictEqual(segs.match("fs://root/a/b%2Fc/d"), { segs: ["a", "b/c", "d"] })
    assert.isUndefined(segs.match("fs://root"))
    assert.isUndefined(segs.match("fs://root/a//b"))
    assert.deepStrictEqual(parse("x://{/a,b}/end").match("x:///1/2/end"), { a: "1", b: "2" })
    assert.deepStrictEqual(parse("x://p{/list*,last}").match("x://p/r/g/b/z"), { list: ["r", "g", "b"], last: "z" })

    const params = parse("map://m{;x,y}")
    assert.deepStrictEqual(params.match("map://m;x=1024;y=768"), { x: "1024", y: "768" })
    assert.deepStrictEqual(params.match("map://m;x;y="), { x: "", y: "" })
    assert.isUndefined(params.match("map://m;y=768;x=1024"))
    assert.isUndefined(params.match("map://m;xx=1;y=2"))
    assert.deepStrictEqual(parse("x://{;list*}").match("x://;list=red;list;list=b%2Fc"), { list: ["red", "", "b/c"] })
    assert.isUndefined(parse("x://{;list*}").match("x://;list=red;other=1"))
  })

  it("the last value of a label expression holds dots, which expand leaves unencoded (RFC 6570 3.2.5)", () => {
    // Fails before: undefined (a `{.var}` value stopped at a dot, so x://h{.ext} refused what it expands to).
    const t = parse("x://h{.ext}")
    assert.strictEqual(t.expand({ ext: "tar.gz" }), "x://h.tar.gz")
    assert.deepStrictEqual(t.match("x://h.tar.gz"), { ext: "tar.gz" })
    assert.deepStrictEqual(parse("x://h{.v}.json").match("x://h.a.b.json"), { v: "a.b" })
    assert.deepStrictEqual(parse("x://h{.a,b}").match("x://h.one.two.three"), { a: "one", b: "two.three" })
    // Where values meet, earlier ones still take as much as they can, or stop at the literal after them.
    assert.deepStrictEqual(parse("f://{name}{.ext}").match("f://archive.tar.gz"), { name: "archive.tar", ext: "gz" })
    assert.deepStrictEqual(parse("x://a{.host}-{port}").match("x://a.example.org-80"), { host: "example.org", port: "80" })
    assert.deepStrictEqual(parse("dns://www{.dom*}{.tld}").match("dns://www.a.b.c"), { dom: ["a", "b"], tld: "c" })
    assert.isUndefined(t.match("x://h.a/b"))
    assert.isUndefined(t.match("x://h."))
  })

  it("several variables in one simple or reserved expression are split on commas", () => {
    assert.deepStrictEqual(parse("size://{x,y}").match("size://1024,768"), { x: "1024", y: "768" })
    assert.isUndefined(parse("size://{x,y}").match("size://1024"))
    assert.isUndefined(parse("size://{x,y}").match("size://1,2,3"), "values of a list expression hold no raw comma")
    assert.deepStrictEqual(parse("{+path,x}/here").match("/foo/bar,1024/here"), { path: "/foo/bar", x: "1024" })
    assert.deepStrictEqual(parse("list://{items}").match("list://a,b"), { items: "a,b" })
  })

  it("a value that may hold the first character of the literal after it spans it when the rest needs that", () => {
    // `{+dir}` and `{path*}` span `/`: a `/{file}` after them takes the last segment, not the first.
    assert.deepStrictEqual(parse("repo://{+dir}/{file}").match("repo://src/lib/a.ts"), { dir: "src/lib", file: "a.ts" })
    assert.deepStrictEqual(parse("repo://{+dir}/{file}").match("repo://src/a.ts"), { dir: "src", file: "a.ts" })
    assert.deepStrictEqual(parse("repo://{+dir}/{file}").match("repo://a//b"), { dir: "a/", file: "b" })
    assert.deepStrictEqual(parse("files://{path*}/{name}").match("files://a/b/c"), { path: "a/b", name: "c" })
    assert.deepStrictEqual(parse("doc://{#a}/{b}").match("doc://#p/q/r"), { a: "p/q", b: "r" })
    assert.deepStrictEqual(parse("x://{+a}-{b}").match("x://a-b/c-d"), { a: "a-b/c", b: "d" })
    // Where the first such character lets the rest match, the value still ends there.
    assert.deepStrictEqual(parse("x://{+a}-{+b}").match("x://1-2-3"), { a: "1", b: "2-3" })
    assert.isUndefined(parse("repo://{+dir}/{file}").match("repo://src/lib/"))
    assert.isUndefined(parse("repo://{+dir}/{file}").match("repo://src"))
  })

  it("a value does not end inside a percent-encoded character: the URI expand wrote matches", () => {
    // `{a}{b}`: `a` took all it could but one character, cutting `%40` (or `%C3%A9`) in two, and
    // the URI, which a split into values that decode has, matched nothing.
    const adjacent = parse("x://h/{a}{b}")
    assert.deepStrictEqual(adjacent.match(adjacent.expand({ a: "&", b: "@" })), { a: "&", b: "@" })
    assert.deepStrictEqual(adjacent.match("x://h/%C3%A9%C3%A9"), { a: "é", b: "é" })
    assert.deepStrictEqual(adjacent.match("x://h/ab%F0%9F%98%80"), { a: "ab", b: "😀" })
    assert.deepStrictEqual(adjacent.match("x://h/%26%2f"), { a: "&", b: "/" }, "lower-case hex digits")
    assert.deepStrictEqual(parse("x://{/a}{b}").match("x:///%20%3B"), { a: " ", b: ";" })
    // A literal starting with a hex digit after a value: `a` ended at the `2` of its own `%2F`.
    const digit = parse("v://{a}2{b}")
    assert.deepStrictEqual(digit.match(digit.expand({ a: "/", b: "x" })), { a: "/", b: "x" })
    assert.deepStrictEqual(parse("v://{a}F{b}").match("v://%2F%2FF%3F"), { a: "//", b: "?" })
    // Still no match where no split decodes.
    assert.isUndefined(adjacent.match("x://h/%C3x"))
    assert.isUndefined(adjacent.match("x://h/%"))
    // A query string is not a value: a key the template does not name is not decoded.
    assert.deepStrictEqual(parse("x://h/{a}{?q}").match("x://h/a?q=1&other=%C3"), { a: "a", q: "1" })
  })

  it("prefix modifiers match like plain variables", () => {
    assert.deepStrictEqual(parse("p://{var:3}/{+path:6}").match("p://value/a/b/c"), { var: "value", path: "a/b/c" })
  })

  it("percent-decodes captured values and rejects malformed encodings", () => {
    const t = parse("test://template/{id}/data")
    assert.deepStrictEqual(t.match("test://template/hello%20world/data"), { id: "hello world" })
    assert.deepStrictEqual(t.match("test://template/caf%C3%A9/data"), { id: "café" })
    assert.deepStrictEqual(t.match("test://template/caf%c3%a9/data"), { id: "café" })
    assert.deepStrictEqual(t.match("test://template/a%2Fb/data"), { id: "a/b" })
    assert.deepStrictEqual(t.match("test://template/1+1/data"), { id: "1+1" }, "+ is not a space")
    assert.isUndefined(t.match("test://template/%ZZ/data"))
    assert.isUndefined(t.match("test://template/%C3/data"), "truncated UTF-8 sequence")
    assert.isUndefined(t.match("test://template/100%/data"))
    assert.isUndefined(parse("fs://{/segs*}").match("fs://ok/%E0%A4%A"))
  })

  it("literal characters match raw or percent-encoded", () => {
    const t = parse("x://café/{id}")
    assert.deepStrictEqual(t.match("x://café/1"), { id: "1" })
    assert.deepStrictEqual(t.match("x://caf%C3%A9/1"), { id: "1" })
    assert.deepStrictEqual(t.match("x://caf%c3%a9/1"), { id: "1" })
    assert.isUndefined(t.match("x://cafe/1"))
    assert.deepStrictEqual(parse("r://a.b(c)*+?/{id}").match("r://a.b(c)*+?/1"), { id: "1" }, "regex metacharacters")
    assert.isUndefined(parse("r://a.b/{id}").match("r://aXb/1"))
  })

  it("a pct-encoded triplet of the literal matches with its hex digits in either case (RFC 3986 section 2.1)", () => {
    for (const template of ["x://a%2fb/{id}", "x://a%2Fb/{id}"]) {
      for (const uri of ["x://a%2fb/1", "x://a%2Fb/1"]) assert.deepStrictEqual(parse(template).match(uri), { id: "1" }, `${template} ${uri}`)
      assert.isUndefined(parse(template).match("x://a/b/1"), template)
    }
    assert.deepStrictEqual(parse("x://%e2%82%ac{/rest*}").match("x://%E2%82%ac/a"), { rest: ["a"] })
  })

  it("a literal % that starts no pct-encoded triplet matches %25, as expand writes it, or itself raw", () => {
    const t = parse("docs://100%/{name}")
    assert.strictEqual(t.expand({ name: "a b" }), "docs://100%25/a%20b")
    assert.deepStrictEqual(t.match("docs://100%25/a%20b"), { name: "a b" })
    assert.deepStrictEqual(t.match("docs://100%/x"), { name: "x" }, "raw, as clients that copy literals send it")
    assert.isUndefined(t.match("docs://100%2F/x"), "a raw % that starts a triplet is that triplet")
    const u = parse("a%zz{x}")
    assert.strictEqual(u.expand({ x: "%" }), "a%25zz%25")
    assert.deepStrictEqual(u.match("a%25zz%25"), { x: "%" })
    // A triplet in the literal is kept as it is; one cut short by an expression is not one.
    assert.strictEqual(parse("a%2F{x}").expand({ x: "b" }), "a%2Fb")
    assert.deepStrictEqual(parse("a%2F{x}").match("a%2Fb"), { x: "b" })
    const v = parse("a%2{x}")
    assert.strictEqual(v.expand({ x: "5b" }), "a%2525b")
    assert.deepStrictEqual(v.match("a%2525b"), { x: "5b" })
    // A value before a literal starting with % is not stopped by the % of its own encoding.
    assert.deepStrictEqual(parse("x://{a}%{b}").match("x://%C3%A9%25%C3%A9"), { a: "é", b: "é" })
    assert.deepStrictEqual(parse("x://{a}%2F{b}").match("x://a%20b%2Fc"), { a: "a b", b: "c" })
  })

  it("a repeated variable must capture the same value", () => {
    const t = parse("x://{id}/{id}{?id}")
    assert.deepStrictEqual(t.variables, ["id"])
    assert.deepStrictEqual(t.match("x://a/a"), { id: "a" })
    assert.deepStrictEqual(t.match("x://a/a?id=a"), { id: "a" })
    assert.isUndefined(t.match("x://a/b"))
    assert.isUndefined(t.match("x://a/a?id=b"))
  })

  it("variable names such as __proto__ are own properties, and matching is stateless", () => {
    const t = parse("x://{__proto__}/{constructor}")
    const first = t.match("x://a/b")!
    assert.isTrue(Object.hasOwn(first, "__proto__"))
    assert.strictEqual(Object.getOwnPropertyDescriptor(first, "__proto__")?.value, "a")
    assert.strictEqual(first["constructor"], "b")
    assert.strictEqual(Object.getPrototypeOf(first), Object.prototype)
    assert.deepStrictEqual(t.match("x://a/b"), first)
    assert.deepStrictEqual(t.match("x://c/d"), { ["__proto__"]: "c", constructor: "d" })
  })

  it("matches without an expression only the literal URI", () => {
    const t = parse("static://readme")
    assert.deepStrictEqual(t.match("static://readme"), {})
    assert.isUndefined(t.match("static://readme2"))
    assert.isUndefined(t.match("static://readme?x=1"))
  })
})

describe("UriTemplate round trip", () => {
  const chars = (s: string) => fc.constantFrom(...Array.from(s))
  /** Values that every `U` operator encodes: everything not unreserved is percent-encoded. */
  const unreservedSafe = "aZ09-_~. é😀/?#&,;=%+:@!'()*[]"
  /** For `.`, whose separator `.` is unreserved and so not encoded. */
  const labelSafe = unreservedSafe.replace(".", "")
  /** For `+`/`#`, which keep reserved characters and pct-triplets: no `?`, `#`, `,`, `%`. */
  const reservedSafe = "aZ09-_~. é😀/&;=+:@!'()*"
  const str = (alphabet: string, minLength = 1) =>
    fc.string({ unit: chars(alphabet), minLength, maxLength: 8 })
  const list = (alphabet: string, minLength = 1) => fc.array(str(alphabet, minLength), { minLength: 1, maxLength: 4 })
  const opt = <A>(arb: fc.Arbitrary<A>) => fc.option(arb, { nil: undefined })

  const cases: ReadonlyArray<readonly [string, fc.Arbitrary<Record<string, string | ReadonlyArray<string> | undefined>>]> = [
    ["test://template/{id}/data", fc.record({ id: str(unreservedSafe) })],
    ["users://{id}/posts/{postId}", fc.record({ id: str(unreservedSafe), postId: str(unreservedSafe) })],
    ["size://{x,y}", fc.record({ x: str(unreservedSafe), y: str(unreservedSafe) })],
    ["files://{path*}", fc.record({ path: str(unreservedSafe) })],
    ["file:///{+path}", fc.record({ path: str(reservedSafe) })],
    ["repo://{+dir}/{file}", fc.record({ dir: str(reservedSafe), file: str(unreservedSafe) })],
    ["doc://{#a}/{b}", fc.record({ a: str(reservedSafe), b: str(unreservedSafe) })],
    ["doc://{+a,b}{#section}", fc.record({ a: str(reservedSafe.replace(",", "")), b: str(reservedSafe), section: str(reservedSafe) })],
    ["dns://www{.dom*}{.tld}", fc.record({ dom: list(labelSafe), tld: str(labelSafe) })],
    ["fs://root{/segs*}{/name}", fc.record({ segs: list(unreservedSafe), name: str(unreservedSafe) })],
    ["map://m{;x,y}{;list*}", fc.record({ x: str(unreservedSafe, 0), y: str(unreservedSafe, 0), list: list(unreservedSafe, 0) })],
    [
      "github://repos/{owner}/{repo}/issues{?state,labels,tag*}",
      fc.record({
        owner: str(unreservedSafe),
        repo: str(unreservedSafe),
        state: opt(str(unreservedSafe, 0)),
        labels: opt(str(unreservedSafe, 0)),
        tag: opt(list(unreservedSafe, 0))
      })
    ],
    ["search://q?fixed=1{&a,tag*}", fc.record({ a: opt(str(unreservedSafe, 0)), tag: opt(list(unreservedSafe, 0)) })],
    ["search://q{?a}{&tag*}", fc.record({ a: str(unreservedSafe, 0), tag: opt(list(unreservedSafe, 0)) })],
    ["café://{id}", fc.record({ id: str(unreservedSafe) })]
  ]

  for (const [template, values] of cases) {
    it(`match(expand(values)) returns the values for ${template}`, () => {
      const t = parse(template)
      fc.assert(
        fc.property(values, (vs) => {
          const expected = Object.fromEntries(Object.entries(vs).filter(([, v]) => v !== undefined))
          assert.deepStrictEqual(t.match(t.expand(vs)), expected)
        })
      )
    })
  }
})

describe("UriTemplate round trip with literal %", () => {
  const chars = (s: string) => fc.constantFrom(...Array.from(s))
  // Literals of `%`, hex digits and others, so that they hold lone `%`s and pct-encoded triplets.
  // Values are drawn from characters whose encoding has none of the literals' characters but `%`
  // (a value stops at the first character of the literal that follows it, unless that is `%`).
  const literal = (minLength: number) => fc.string({ unit: chars("%%41Ffz-"), minLength, maxLength: 5 })
  const value = (alphabet: string) => fc.string({ unit: chars(alphabet), minLength: 1, maxLength: 6 })
  const withPercent = "ab é|%"
  const withoutPercent = "ab é|"

  it("match(expand(values)) returns the values for templates with literal % around values", () => {
    const cases = fc
      .record({ l1: literal(0), l2: literal(0), l3: literal(0), slash: fc.boolean(), query: fc.boolean() })
      .filter(({ l2, slash }) => slash || l2 !== "") // `{a}{b}` splits a URI in many ways
      .chain((shape) =>
        fc.record({
          shape: fc.constant(shape),
          a: value(withPercent),
          // `{a}%{b}`: `a` takes as much as it can, so `b` must not hold the literal's `%25`.
          b: value(!shape.slash && shape.l2.startsWith("%") ? withoutPercent : withPercent),
          q: fc.option(value(withPercent), { nil: undefined })
        })
      )
    fc.assert(
      fc.property(cases, ({ a, b, q, shape: { l1, l2, l3, query, slash } }) => {
        const template = `s://${l1}{a}${l2}${slash ? "/" : ""}{b}${l3}${query ? "{?q}" : ""}`
        const t = parse(template)
        const values = query && q !== undefined ? { a, b, q } : { a, b }
        assert.deepStrictEqual(t.match(t.expand(values)), values, template)
      }),
      { numRuns: 500 }
    )
  })
})

describe("UriTemplate.match on hostile URIs", () => {
  it("a value followed by a literal and another value stops at the literal; chains stay linear", () => {
    assert.deepStrictEqual(parse("users://{org}-{name}").match("users://acme-jane-doe"), { org: "acme", name: "jane-doe" })
    assert.deepStrictEqual(parse("x://{+a}/{+b}/{+c}").match("x://1/2/3/4"), { a: "1", b: "2", c: "3/4" })
    // The last value keeps what it had: `{name}.json` still takes dots.
    assert.deepStrictEqual(parse("docs://{name}.json").match("docs://a.b.json"), { name: "a.b" })
    // Inputs that made the old matcher backtrack for seconds or minutes answer at once.
    assert.isUndefined(parse("x://{a}-{b}-{c}").match("x://" + "a-".repeat(4000) + "/"))
    assert.isUndefined(parse("x://{+a}/{+b}/{+c}").match("x://" + "a/".repeat(4000) + "#"))
  })

  it("the rule holds for {/var} and {.var} values too (the documented rule; they took the most)", () => {
    // Fails before: { org: "acme-jane", name: "doe" }.
    assert.deepStrictEqual(parse("x:/{/org}-{name}").match("x://acme-jane-doe"), { org: "acme", name: "jane-doe" })
    assert.deepStrictEqual(parse("x:/{/name}.{ext}").match("x://archive.tar.gz"), { name: "archive", ext: "tar.gz" })
    assert.deepStrictEqual(parse("x://a{.host}-{port}").match("x://a.example-org-80"), { host: "example", port: "org-80" })
    // As for `{org}-{name}`, the value goes on past the literal when the rest needs it.
    assert.deepStrictEqual(parse("x:/{/org}-{name}/x").match("x://a-b-c/x"), { org: "a", name: "b-c" })
    assert.deepStrictEqual(parse("x:/{/a}-{/b}").match("x://p-q-/r"), { a: "p-q", b: "r" })
    // A literal `/` after `{/var}` (or `.` after `{.var}`) ends its value anyway; the last value keeps what it had.
    assert.deepStrictEqual(parse("x:/{/dir}/{file}").match("x://a/b"), { dir: "a", file: "b" })
    assert.deepStrictEqual(parse("x:/{/name}.json").match("x://a.b.json"), { name: "a.b" })
    assert.deepStrictEqual(parse("x:/{/name}{.ext}").match("x://a.b.c"), { name: "a.b", ext: "c" })
    // Stays linear.
    assert.isUndefined(parse("x:/{/a}-{/b}-{/c}").match("x://" + "a-".repeat(4000) + "#"))
  })

  it("URIs over 8 KB match no template; adjacent values match long URIs, earlier ones taking the most", () => {
    assert.isDefined(parse("x://{id}").match("x://" + "a".repeat(8_000)))
    assert.isUndefined(parse("x://{id}").match("x://" + "a".repeat(8_200)))
    assert.deepStrictEqual(parse("x://{a}{b}").match("x://ab"), { a: "a", b: "b" })
    assert.isUndefined(parse("x://{a}{b}{c}").match("x://" + "a".repeat(300) + "/"))
    assert.deepStrictEqual(parse("x://{a}{b}").match("x://" + "a".repeat(300)), { a: "a".repeat(299), b: "a" })
    assert.deepStrictEqual(parse("x://{a}{b}{c}{d}").match("x://" + "a".repeat(5_000)), {
      a: "a".repeat(4_997),
      b: "a",
      c: "a",
      d: "a"
    })
  })

  it("templates whose URIs split between values in many ways answer 8 KB URIs at once (found by fuzzing)", () => {
    // Each took from seconds to minutes with the RegExp matcher (polynomial backtracking).
    const long = (unit: string, end: string) => "x://" + unit.repeat(Math.floor(8_000 / unit.length)) + end
    const hostile: ReadonlyArray<readonly [string, string]> = [
      ["x://{a}{b}{c}{d}{e}", long("a", "/")],
      ["x://{a}|{b}|{c}", long("%7C", "/")],
      ["x://{a} {b} {c}", long("%20", "/")],
      ["x://{a}é{b}é{c}", long("%C3%A9", "/")],
      ["x://{/a*}{/b*}{/c*}", long("/a", "#")],
      ["x://{.a*}{.b*}{.c*}", long(".a", "#")],
      ["x://{;a*}{;a*}{;a*}", long(";a", "#")],
      ["x://{+a}{/b*}{/c*}", long("/a", "#")],
      ["x://{a}{.b*}{.c*}", long(".a", "#")],
      ["x://{/a*}{b}", "x:///" + "a".repeat(8_000) + "#"],
      ["x://{a}%{b}%{c}", long("%25", "/")],
      ["x://{a}%{b}%{c}", long("%", "/")],
      ["x://{a}-{b}-{c}-{d}-{e}", long("a-", "/")],
      ["x://{+a}/{+b}/{+c}/{d}", long("a/", "#")],
      ["x://{+a}/{b}/{c}", long("a/", "")]
    ]
    for (const [template, uri] of hostile) assert.isUndefined(parse(template).match(uri), template)
    // And they still match what they should.
    assert.deepStrictEqual(parse("x://{a}|{b}|{c}").match(long("%7C", "")), {
      a: "|".repeat(2_662),
      b: "|",
      c: "|"
    })
    assert.deepStrictEqual(parse("x://{/a*}{/b*}{/c*}").match("x://" + "/s".repeat(4_000)), {
      a: Array(3_998).fill("s"),
      b: ["s"],
      c: ["s"]
    })
    assert.deepStrictEqual(parse("x://{/a*}{b}").match("x:///one/two"), { a: ["one", "tw"], b: "o" })
  })
})

describe("UriTemplate.match on prefix{+x}literal{y}suffix", () => {
  /** A URI that counts the matcher's calls of its string methods (its reads of the URI). */
  class Counted extends String {
    calls = 0
    override charCodeAt(i: number) {
      this.calls++
      return super.charCodeAt(i)
    }
    override startsWith(s: string, p?: number) {
      this.calls++
      return super.startsWith(s, p)
    }
    override endsWith(s: string, p?: number) {
      this.calls++
      return super.endsWith(s, p)
    }
    override indexOf(s: string, p?: number) {
      this.calls++
      return super.indexOf(s, p)
    }
    override slice(a?: number, b?: number) {
      this.calls++
      return super.slice(a, b)
    }
  }
  const reads = (template: string, uri: string) => {
    const counted = new Counted(uri)
    const result = parse(template).match(counted as unknown as string)
    return { calls: counted.calls, result }
  }

  // Fails before: 56,025 reads for 4,000 slashes against 8,015 for none (the matcher tried the rest
  // after each `/`), and likewise for the other shapes.
  it("reads a URI about once whatever number of occurrences of the literal it holds", () => {
    const cases: ReadonlyArray<readonly [string, (unit: string, k: number) => string, string, string]> = [
      ["repo://{+dir}/{file}", (unit, k) => "repo://" + unit.repeat(k) + "f", "d/", "dd"],
      ["repo://{+dir}/{file}", (unit, k) => "repo://" + unit.repeat(k) + "f#", "d/", "dd"],
      ["repo://{+dir}/{file}.json", (unit, k) => "repo://" + unit.repeat(k) + "f.json", "d/", "dd"],
      ["repo://{+dir}/{file}{?rev}", (unit, k) => "repo://" + unit.repeat(k) + "f?rev=1", "d/", "dd"],
      ["users://{org}-{name}", (unit, k) => "users://" + unit.repeat(k) + "/", "a-", "aa"]
    ]
    for (const [template, uri, withLiteral, without] of cases) {
      for (const k of [2_000, 4_000]) {
        const many = reads(template, uri(withLiteral, k))
        const none = reads(template, uri(without, k))
        assert.isAtMost(many.calls, none.calls + 64, `${template} on ${k} × ${withLiteral}`)
        assert.isAtMost(many.calls, 2 * k + 64, `${template} on ${k} × ${withLiteral}`)
      }
    }
    // And the matches are those of before.
    assert.deepStrictEqual(reads("repo://{+dir}/{file}", "repo://" + "d/".repeat(4_000) + "f").result, {
      dir: "d/".repeat(3_999) + "d",
      file: "f"
    })
    assert.isUndefined(reads("repo://{+dir}/{file}", "repo://" + "d/".repeat(4_000) + "f#").result)
    assert.deepStrictEqual(reads("repo://{+dir}/{file}.json", "repo://a/b.c/d.json").result, { dir: "a/b.c", file: "d" })
    assert.deepStrictEqual(reads("users://{org}-{name}", "users://a-b-c").result, { org: "a", name: "b-c" })
    assert.deepStrictEqual(reads("repo://{+dir}/{file}{?rev}", "repo://a/b/c?rev=2").result, { dir: "a/b", file: "c", rev: "2" })
  })

  // A leading `é` (a literal that also matches its encoding) keeps these templates on the general
  // matcher (the program `run` executes) and changes nothing else: the shortcut must give what it
  // gives for the URI with `é` before it.
  it("gives what the general matcher gives (fuzz)", () => {
    const chars = <A>(s: ReadonlyArray<A>) => fc.constantFrom(...s)
    const pieces = ["/", "/", "-", "-", ".", ",", ":", "@", "&", "#", "%", "%2F", "%2f", "é", "//", "x", "a", "2", "F"]
    const tokens = ["?", "=", "d", "a", "d", "a", "d", "a", "/", "-", ".", ",", ":", "@", "&", "#", "%", "%2F", "%2f", "%C3", "%A9", "%C3%A9", "é", "%4", "%25", "//"]
    const literal = (minLength: number) => fc.array(chars(pieces), { minLength, maxLength: 3 }).map((a) => a.join(""))
    const value = fc
      .tuple(chars(["", "+"]), chars(["x", "y"]), fc.boolean())
      .map(([operator, name, explode]) => `{${operator}${name}${explode ? "*" : ""}}`)
    const shape = fc.record({
      prefix: chars(["", "x://", "a", "x:"]),
      x: value,
      literal: literal(1),
      y: value,
      suffix: literal(0),
      query: chars(["", "", "{?q}", "{?x,q}{&r*}"])
    })
    const cases = shape.chain((s) =>
      fc.record({
        s: fc.constant(s),
        uris: fc.array(
          fc.record({
            prefix: chars([true, true, true, false]),
            x: fc.array(chars([...tokens, s.literal]), { minLength: 1, maxLength: 6 }),
            y: fc.array(chars([...tokens, s.literal]), { minLength: 1, maxLength: 6 }),
            suffix: chars([true, true, true, false]),
            query: chars(["", "", "", "", "?q=%2F", "?x=1&q&r=a&r=b", "#f", "?q#"])
          }),
          { minLength: 1, maxLength: 8 }
        )
      })
    )
    let matched = 0
    fc.assert(
      fc.property(cases, ({ s, uris }) => {
        const template = s.prefix + s.x + s.literal + s.y + s.suffix + s.query
        const shortcut = parse(template)
        const general = parse("é" + template)
        for (const u of uris) {
          const uri = (u.prefix ? s.prefix : "") + u.x.join("") + s.literal + u.y.join("") + (u.suffix ? s.suffix : "") + u.query
          const result = shortcut.match(uri)
          if (result !== undefined) matched++
          assert.deepStrictEqual(result, general.match("é" + uri), `${template} on ${uri}`)
        }
      }),
      { numRuns: 3_000, seed: 29 }
    )
    assert.isAbove(matched, 300)
  })
})

describe("UriTemplate.match on prefix{+a}literal{b}literal{c}suffix", () => {
  const reads = (template: string, uri: string) => readsOf(template, uri).calls

  // Fails before: 8 KB of `d/` took ten times as long as of `dd` (the general matcher tried the
  // rest after each `/`, about a dozen steps each): 68,000 reads against 8,000.
  it("reads a URI about once whatever number of occurrences of its literals it holds", () => {
    const cases: ReadonlyArray<readonly [string, (unit: string) => string, string, string]> = [
      ["repo://{+dir}/{name}.{ext}", (unit) => "repo://" + unit.repeat(4_000) + "f.ts", "d/", "dd"],
      ["repo://{+dir}/{name}.{ext}", (unit) => "repo://" + unit.repeat(4_000), "d/", "dd"],
      ["repo://{+dir}/{name}.{ext}{?rev}", (unit) => "repo://" + unit.repeat(4_000) + "/f.ts?rev=1", "d.", "dd"],
      ["x://{a}-{b}-{c}/{+d}", (unit) => "x://a-b-" + unit.repeat(4_000), "/-", "dd"]
    ]
    for (const [template, uri, withLiterals, without] of cases) {
      const many = reads(template, uri(withLiterals))
      const none = reads(template, uri(without))
      assert.isAtMost(many, 2 * none + 64, `${template}: ${many} reads against ${none}`)
      assert.isAtMost(many, 3 * 8_000 + 64, `${template}: ${many} reads`)
    }
    assert.deepStrictEqual(parse("repo://{+dir}/{name}.{ext}").match("repo://" + "d/".repeat(4_000) + "f.tar.gz"), {
      dir: "d/".repeat(3_999) + "d",
      name: "f",
      ext: "tar.gz"
    })
    assert.deepStrictEqual(parse("repo://{+dir}/{name}.{ext}{?rev}").match("repo://a/b.c/d.e.f?rev=2"), {
      dir: "a/b.c",
      name: "d",
      ext: "e.f",
      rev: "2"
    })
  })

  // A leading `é` keeps these templates on the general matcher: the shortcut must give what it
  // gives for the URI with `é` before it.
  it("gives what the general matcher gives (fuzz)", () => {
    const chars = <A>(s: ReadonlyArray<A>) => fc.constantFrom(...s)
    const pieces = ["/", "/", "/", "-", "-", "-", ".", ".", ".", ",", ":", "@", "&", "#", "%", "%2F", "é", "//", "x", "2"]
    const tokens = ["?", "=", "d", "a", "d", "a", "d", "a", "/", "-", ".", ",", ":", "@", "&", "#", "%", "%2F", "%2f", "%C3", "%A9", "%C3%A9", "é", "%4", "%25", "//"]
    const literal = (minLength: number) => fc.array(chars(pieces), { minLength, maxLength: 2 }).map((a) => a.join(""))
    const value = fc
      .tuple(chars(["", "+", "+"]), chars(["x", "y", "z", "w", "v"]), fc.boolean())
      .map(([operator, name, explode]) => `{${operator}${name}${explode ? "*" : ""}}`)
    const shape = fc.record({
      prefix: chars(["", "x://", "a", "x:"]),
      values: fc.array(value, { minLength: 3, maxLength: 4 }),
      literals: fc.array(literal(1), { minLength: 3, maxLength: 3 }),
      suffix: literal(0),
      query: chars(["", "", "{?q}", "{?x,q}{&r*}"])
    })
    const cases = shape.chain((s) =>
      fc.record({
        s: fc.constant(s),
        uris: fc.array(
          fc.record({
            prefix: chars([true, true, true, false]),
            values: fc.array(fc.array(chars(["d", "a", "d", "a", "d", ...tokens, ...s.literals]), { minLength: 1, maxLength: 4 }), {
              minLength: 4,
              maxLength: 4
            }),
            suffix: chars([true, true, true, false]),
            query: chars(["", "", "", "", "", "", "?q=%2F", "?x=1&q&r=a&r=b", "#f", "?q#"])
          }),
          { minLength: 1, maxLength: 12 }
        )
      })
    )
    let matched = 0
    fc.assert(
      fc.property(cases, ({ s, uris }) => {
        const template = s.prefix + s.values.map((v, i) => (i === 0 ? "" : s.literals[i - 1]) + v).join("") + s.suffix + s.query
        const shortcut = parse(template)
        const general = parse("é" + template)
        for (const u of uris) {
          const uri = (u.prefix ? s.prefix : "") +
            s.values.map((_, i) => (i === 0 ? "" : s.literals[i - 1]) + u.values[i]!.join("")).join("") +
            (u.suffix ? s.suffix : "") + u.query
          const result = shortcut.match(uri)
          if (result !== undefined) matched++
          assert.deepStrictEqual(result, general.match("é" + uri), `${template} on ${uri}`)
        }
      }),
      { numRuns: 1_500, seed: 30 }
    )
    assert.isAbove(matched, 200)
  })
})

describe("UriTemplate.match on long URIs, general matcher", () => {
  const reads = readsOf
  const long = (unit: string, end: string, start = "x://") => start + unit.repeat(Math.floor(8_000 / unit.length)) + end

  // Fails before: the general matcher tried the rest of the template after each segment or
  // position it could give back, 34,000-88,000 reads of an 8 KB URI (1-2 ms of CPU), where one
  // read from the end tells that nothing matches.
  it("reads an 8 KB URI about once whatever its template ({/a*} followed by other expressions, and the like)", () => {
    const hostile: ReadonlyArray<readonly [string, string]> = [
      ["x://{/a*}{/b}", long("/d", "#")],
      ["x://{/a*}{/b}", long("d/", "", "x:///")],
      ["x://{/a*}{b}", long("/d", "/")],
      ["x://{/a*}{/b}{?q}", long("/d", "/?q=1")],
      ["x://{+a}{/b*}{/c*}", long("/a", "#")],
      ["x://{+a}{/b*}{/c*}", long("d/", "", "x:///")],
      ["x://{.a*}{.b}", long(".d", "#")],
      ["x://{;a*}{;b}", long(";a=d", "#")],
      ["x://{a}{b}{c}", long("a", "/")]
    ]
    for (const [template, uri] of hostile) {
      const { calls, result } = reads(template, uri)
      assert.isUndefined(result, template)
      assert.isAtMost(calls, uri.length + 64, `${template}: ${calls} reads of ${uri.length} characters`)
    }
    // What matches still matches, as before, in about two reads.
    const matching: ReadonlyArray<readonly [string, string, Record<string, unknown>]> = [
      ["x://{/a*}{/b}", long("/d", ""), { a: Array(3_999).fill("d"), b: "d" }],
      ["x://{/a*}{b}", long("/de", ""), { a: [...Array(2_665).fill("de"), "d"], b: "e" }],
      ["x://{/a*}{/b*}{/c*}", long("/s", ""), { a: Array(3_998).fill("s"), b: ["s"], c: ["s"] }],
      ["x://{/a*}{?q}", long("/d", "?q=%2F"), { a: Array(4_000).fill("d"), q: "/" }]
    ]
    for (const [template, uri, expected] of matching) {
      const { calls, result } = reads(template, uri)
      assert.deepStrictEqual(result, expected, template)
      assert.isAtMost(calls, 2 * uri.length + 64, `${template}: ${calls} reads of ${uri.length} characters`)
    }
  })

  // The guide (one read of the URI from its end, then a walk without going back) must find what
  // the general matcher finds going back, for every template: both are asked for every URI.
  it("gives with its guide what it gives without (fuzz over templates of every operator)", () => {
    const chars = <A>(s: ReadonlyArray<A>) => fc.constantFrom(...s)
    const operators = ["", "", "+", "#", ".", "/", "/", ";", "?", "&"]
    const expression = fc
      .tuple(chars(operators), fc.array(fc.tuple(chars(["a", "b", "c", "a"]), chars(["", "", "*", ":2"])), { minLength: 1, maxLength: 2 }))
      .map(([operator, vars]) => `{${operator}${vars.map(([name, modifier]) => name + modifier).join(",")}}`)
    const literal = fc
      .array(chars(["/", "-", ".", ",", ";", "=", "x", "é", "%", "%2F", "|", " ", "a"]), { minLength: 1, maxLength: 2 })
      .map((pieces) => pieces.join(""))
    const template = fc.array(fc.oneof(expression, expression, literal), { minLength: 1, maxLength: 5 }).map((parts) => "x:" + parts.join(""))
    const tokens = ["a", "b", "d", "d", "/", "/", "-", ".", ",", ";", "=", "?", "&", "#", "%", "%2F", "%2f", "%C3", "%A9", "%C3%A9", "é", "|", "%7C", " ", "%20", "a=", ";a", "?a=", "&b="]
    const word = fc.array(chars(["d", "d", "a", ...tokens]), { maxLength: 4 }).map((pieces) => pieces.join(""))
    const value = fc.oneof(word, word, fc.array(word, { maxLength: 3 }), fc.constant(undefined))
    // A URI: the template expanded, then edited (a token put in, maybe over others), maybe with a
    // stretch of it repeated (long URIs, where `match` takes the guide).
    const uri = fc.record({
      values: fc.record({ a: value, b: value, c: value }),
      edits: fc.array(fc.tuple(fc.nat(40), fc.nat(3), chars(tokens)), { maxLength: 2 }),
      repeat: chars([0, 0, 0, 1, 50])
    })
    let uris = 0
    let matched = 0
    fc.assert(
      fc.property(template, fc.array(uri, { minLength: 1, maxLength: 10 }), (source, cases) => {
        let parsed: ReturnType<typeof parse>
        try {
          parsed = parse(source)
        } catch {
          return
        }
        for (const { edits, repeat, values } of cases) {
          let u: string
          try {
            u = parsed.expand(values)
          } catch {
            continue
          }
          for (const [at, over, token] of edits) {
            const i = at % (u.length + 1)
            u = u.slice(0, i) + token + u.slice(i + over)
          }
          if (repeat > 0) u = u.slice(0, u.length >> 1) + u.slice(u.length >> 1, (u.length >> 1) + 3).repeat(repeat) + u.slice(u.length >> 1)
          const without = matchWith(parsed, u, false)
          uris++
          if (without !== undefined) matched++
          assert.deepStrictEqual(matchWith(parsed, u, true), without, `${source} on ${u}`)
          assert.deepStrictEqual(parsed.match(u), without, `${source} on ${u}`)
        }
      }),
      { numRuns: 1_500, seed: 31 }
    )
    assert.isAbove(uris, 7_000)
    assert.isAbove(matched, 700)
  })
})
