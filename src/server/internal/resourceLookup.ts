/**
 * Which resource a URI names: what `resources/read` reads, what `resources/subscribe` and a
 * 2026-07-28 listen may follow, what the Authorization middleware guards. One rule for all of
 * them, so that they agree on what is "the same resource".
 *
 * A fixed resource whose URI is the one asked for; else the first template (in list order) that
 * matches it. Only when neither is found as written, the same in the URI's normal form
 * (`resourceKey.ts`: `X://a` is `x://a`, `%2f` is `%2F`, `%61` is `a`, `é` is `%C3%A9`): a fixed resource whose URI
 * has that form, then a template that matches it (its literal scheme folded to lower case too).
 * A read of a URI as it was registered pays nothing more; one as a template gives it, one scan of
 * the URI (its normal form is itself: no copy is made) before the templates are tried.
 *
 * @internal
 */
import type { Entry, Registry } from "../Registry.ts"
import type { Registered, RegisteredTemplate, Variables } from "../Resource.ts"
import { canonicalJson } from "../../internal/canonicalJson.ts"
import { resourceKey } from "./resourceKey.ts"

/** What a URI names: a fixed resource, or a template with the variables it matched. */
export type Found =
  | { readonly resource: Registered; readonly template?: undefined; readonly variables?: undefined }
  | { readonly resource?: undefined; readonly template: RegisteredTemplate; readonly variables: Variables }

/** The fixed resources by the normal form of their URI (first listed wins), per list (cached). */
interface Keyed {
  readonly byKey: ReadonlyMap<string, Registered>
  /** Whether some URI is registered in another form than its normal one. */
  readonly abnormal: boolean
}

const keyedLists = new WeakMap<ReadonlyArray<Entry<Registered>>, Keyed>()

const keyed = (list: ReadonlyArray<Entry<Registered>>): Keyed => {
  let found = keyedLists.get(list)
  if (found === undefined) {
    const byKey = new Map<string, Registered>()
    let abnormal = false
    for (const entry of list) {
      const key = resourceKey(entry.value.uri)
      if (key !== entry.value.uri) abnormal = true
      if (!byKey.has(key)) byKey.set(key, entry.value)
    }
    found = { byKey, abnormal }
    keyedLists.set(list, found)
  }
  return found
}

/** The resource or template `uri` names, or undefined (see the module documentation). */
export const findResource = (
  resources: Registry<Registered>,
  templates: Registry<RegisteredTemplate>,
  uri: string
): Found | undefined => {
  const resource = resources.get(uri)
  if (resource !== undefined) return { resource }
  // A fixed resource wins over a template however the URI is written: its normal form is looked
  // up before the templates when it differs from the URI (or some resource's URI is not normal).
  const key = resourceKey(uri)
  if (resources.size > 0) {
    const index = keyed(resources.list())
    if (key !== uri || index.abnormal) {
      const byKey = index.byKey.get(key)
      if (byKey !== undefined) return { resource: byKey }
    }
  }
  const list = templates.list()
  for (const entry of list) {
    const variables = entry.value.match(uri)
    if (variables !== undefined) return { template: entry.value, variables }
  }
  for (const entry of list) {
    const template = entry.value
    // Tried already as written (a template matches hex digits in either case).
    if (key === uri && !template.foldsScheme) continue
    const variables = template.matchKey(key)
    if (variables !== undefined) return { template, variables }
  }
  return undefined
}

/**
 * What subscriptions compare (`resources/subscribe`, `notifyResourceUpdated`, listen streams):
 * one string per resource however its URI is spelled, as reads have it. A fixed resource: its
 * URI's normal form. A template's: the variables found, what its read is given (keys sorted),
 * after the template (`docs://a%2Fb` and `docs://a/b` are one read of `docs://{+path}`, which the
 * normal form keeps apart). Not the URI `expand` gives for them in normal form: `{+path}` keeps a
 * value's `%41` there, which that form makes `A`, so paths `%41` and `A` would be one. A URI
 * nothing serves: its normal form.
 */
export const resourceIdentity = (found: Found | undefined, uri: string): string =>
  found === undefined
    ? resourceKey(uri)
    : found.resource !== undefined
    ? resourceKey(found.resource.uri)
    : `\u0000${found.template.uriTemplate}\u0000${canonicalJson(found.variables)}`
