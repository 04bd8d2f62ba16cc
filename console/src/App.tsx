import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, useCallback, useState } from "react";
import { Route, Routes } from "react-router";
import { ApiError } from "./api/client";
import { Loading } from "./components/States";
import { Shell } from "./components/Shell";
import { Overview } from "./screens/Overview";
import { SignIn } from "./screens/SignIn";
import { readStoredKey, SessionProvider } from "./session";

// Screens other than the overview load on first visit, so the first screen downloads only itself.
const Campaigns = lazy(() => import("./screens/Campaigns"));
const CampaignDetail = lazy(() => import("./screens/CampaignDetail"));
const CampaignNew = lazy(() => import("./screens/CampaignNew"));
const People = lazy(() => import("./screens/People"));
const Person = lazy(() => import("./screens/Person"));
const Delivery = lazy(() => import("./screens/Delivery"));
const Segments = lazy(() => import("./screens/Segments"));
const Locations = lazy(() => import("./screens/Locations"));
const Settings = lazy(() => import("./screens/Settings"));
const Approvals = lazy(() => import("./screens/Approvals"));
const NotFound = lazy(() => import("./screens/NotFound"));
// Analytics (funnels, retention, lifecycle flow, KPIs): one chunk, with its own sub-routes.
const Analytics = lazy(() => import("./screens/analytics/Analytics"));

function newQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A refused key or a bad request will not get better by asking again.
        retry: (n, err) => !(err instanceof ApiError && err.status < 500) && n < 2,
        refetchOnWindowFocus: false,
        staleTime: 5_000,
      },
    },
  });
}

export function App() {
  const [adminKey, setAdminKey] = useState(readStoredKey);
  const [notice, setNotice] = useState<string | undefined>();
  const [queries, setQueries] = useState(newQueryClient);
  const signOut = useCallback((reason?: string) => {
    setNotice(reason);
    setAdminKey(null);
    setQueries(newQueryClient());
  }, []);

  if (!adminKey) return <SignIn notice={notice} onSignedIn={(key) => (setNotice(undefined), setAdminKey(key))} />;
  return (
    <SessionProvider adminKey={adminKey} onSignOut={signOut}>
      <QueryClientProvider client={queries}>
        <Shell>
          <Suspense fallback={<Loading what="screen" />}>
            <Routes>
              <Route index element={<Overview />} />
              <Route path="campaigns" element={<Campaigns />} />
              <Route path="campaigns/new" element={<CampaignNew />} />
              <Route path="campaigns/:id" element={<CampaignDetail />} />
              <Route path="segments" element={<Segments />} />
              <Route path="people" element={<People />} />
              <Route path="people/:userId" element={<Person />} />
              <Route path="locations" element={<Locations />} />
              <Route path="delivery" element={<Delivery />} />
              <Route path="settings" element={<Settings />} />
              <Route path="analytics/*" element={<Analytics />} />
              <Route path="approvals" element={<Approvals />} />
              <Route path="*" element={<NotFound />} />
            </Routes>
          </Suspense>
        </Shell>
      </QueryClientProvider>
    </SessionProvider>
  );
}
