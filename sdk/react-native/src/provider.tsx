import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from "react";
import * as client from "./client";
import type { InitOptions } from "./options";
import { started } from "./session";
import { BeckonInAppHost } from "./InAppHost";

/**
 * `<BeckonProvider options={…}>` starts the SDK once (or uses one started with `init`),
 * draws in-app messages over the app with `<BeckonInAppHost/>` (unless `inAppHost={false}`,
 * for apps that draw their own with `useInAppMessage()`), and gives the hooks their data.
 */
interface BeckonContext {
  ready: boolean;
}
const Context = createContext<BeckonContext>({ ready: false });

export function BeckonProvider(props: { options?: InitOptions; inAppHost?: boolean; children?: ReactNode }): ReactNode {
  const [ready, setReady] = useState(false);
  const { options } = props;
  useEffect(() => {
    let live = true;
    const starting = !started() && options ? client.init(options) : client.whenReady();
    void starting.then(() => live && setReady(true));
    return () => void (live = false);
    // Started once per mount: options are read at start (like `init`), later changes are ignored.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const value = useMemo(() => ({ ready }), [ready]);
  return (
    <Context.Provider value={value}>
      {props.children}
      {props.inAppHost === false ? null : <BeckonInAppHost />}
    </Context.Provider>
  );
}

/** The SDK's calls, and whether it has loaded (stored identity, first in-app fetch). */
export function useBeckon() {
  const { ready } = useContext(Context);
  return {
    ready,
    identify: client.identify,
    track: client.track,
    screen: client.screen,
    alias: client.alias,
    reset: client.reset,
    flush: client.flush,
    setUserToken: client.setUserToken,
    user: () => (started() ? client.user() : null),
  };
}
