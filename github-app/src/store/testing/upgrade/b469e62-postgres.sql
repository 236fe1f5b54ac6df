--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: api_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_tokens (
    name text NOT NULL,
    role text NOT NULL,
    token_hash text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint,
    last_used_at bigint,
    CONSTRAINT api_tokens_role_check CHECK ((role = ANY (ARRAY['viewer'::text, 'operator'::text, 'admin'::text])))
);


--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    at bigint NOT NULL,
    actor text NOT NULL,
    role text NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    detail text
);


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_log_id_seq OWNED BY public.audit_log.id;


--
-- Name: flows; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.flows (
    repo text NOT NULL,
    id text NOT NULL,
    ver integer NOT NULL,
    name text NOT NULL,
    triggers text NOT NULL,
    flow text,
    errors text NOT NULL,
    sha text NOT NULL,
    updated_at bigint NOT NULL
);


--
-- Name: leases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.leases (
    name text NOT NULL,
    holder text NOT NULL,
    expires_at bigint NOT NULL
);


--
-- Name: log_chunks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.log_chunks (
    run_id text NOT NULL,
    node text NOT NULL,
    byte_offset bigint NOT NULL,
    length integer NOT NULL,
    attempt integer NOT NULL,
    stream text NOT NULL,
    at bigint NOT NULL,
    text text NOT NULL
);


--
-- Name: registration_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.registration_tokens (
    token_hash text NOT NULL,
    expires_at bigint NOT NULL,
    created_at bigint NOT NULL,
    used_at bigint
);


--
-- Name: repos; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repos (
    name text NOT NULL,
    url text NOT NULL,
    default_ref text,
    head_sha text,
    refreshed_at bigint
);


--
-- Name: run_counters; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.run_counters (
    repo text NOT NULL,
    flow_id text NOT NULL,
    last integer NOT NULL
);


--
-- Name: runners; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.runners (
    id text NOT NULL,
    name text NOT NULL,
    tags text DEFAULT '[]'::text NOT NULL,
    slots integer DEFAULT 1 NOT NULL,
    credential_hash text NOT NULL,
    connected boolean DEFAULT false NOT NULL,
    last_seen_at bigint,
    version text,
    created_at bigint NOT NULL,
    sandboxed boolean DEFAULT false NOT NULL,
    sandbox_reason text,
    connection text
);


--
-- Name: runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.runs (
    id text NOT NULL COLLATE pg_catalog."C",
    repo text NOT NULL,
    flow_id text NOT NULL,
    number integer NOT NULL,
    state text NOT NULL,
    result text,
    reason text,
    reason_code text,
    trigger text NOT NULL,
    ref text,
    sha text,
    clone_url text,
    flow text NOT NULL,
    engine text,
    runner_id text,
    epoch integer DEFAULT 0 NOT NULL,
    lease_expires_at bigint,
    last_seq integer DEFAULT 0 NOT NULL,
    created_at bigint NOT NULL,
    started_at bigint,
    ended_at bigint,
    retry_of text,
    replay_from text,
    pinned_runner_id text,
    cancel_requested_by text,
    cancel_requested_at bigint,
    trust text DEFAULT 'trusted'::text NOT NULL,
    CONSTRAINT runs_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'active'::text, 'archived'::text]))),
    CONSTRAINT runs_trust_check CHECK ((trust = ANY (ARRAY['trusted'::text, 'untrusted'::text])))
);


--
-- Name: schema_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_version (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at bigint NOT NULL
);


--
-- Name: secrets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.secrets (
    scope text NOT NULL,
    name text NOT NULL,
    sealed text NOT NULL,
    updated_at bigint NOT NULL
);


--
-- Name: trigger_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.trigger_state (
    key text NOT NULL,
    value text NOT NULL,
    version integer NOT NULL
);


--
-- Name: audit_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log ALTER COLUMN id SET DEFAULT nextval('public.audit_log_id_seq'::regclass);


--
-- Data for Name: api_tokens; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.api_tokens VALUES ('admin', 'admin', 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', 1767225600000, NULL, NULL);
INSERT INTO public.api_tokens VALUES ('ci', 'operator', 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', 1767225600000, 1767312000000, 1767225600100);


--
-- Data for Name: audit_log; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.audit_log VALUES (1, 1767225600000, 'admin', 'admin', 'token.create', 'ci', '{"role":"operator"}');
INSERT INTO public.audit_log VALUES (2, 1767225600001, 'ci', 'operator', 'run.cancel', 'r04', NULL);


--
-- Data for Name: flows; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.flows VALUES ('acme/app', 'build', 1, 'build', '[{"type":"push"}]', '{"id":"build","name":"build","ver":1,"triggers":[],"tasks":[]}', '[]', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 1767225600000);


--
-- Data for Name: leases; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.leases VALUES ('dispatch', 'hub-a', 1767225610000);


--
-- Data for Name: log_chunks; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.log_chunks VALUES ('r03', 'compile', 0, 13, 1, 'out', 1767225600011, 'compiling…
');
INSERT INTO public.log_chunks VALUES ('r03', 'compile', 13, 12, 1, 'out', 1767225600012, 'größe ✓
');
INSERT INTO public.log_chunks VALUES ('r04', 'test', 0, 8, 1, 'out', 1767225600011, 'testing
');
INSERT INTO public.log_chunks VALUES ('r05', 'checkout', 0, 12, 1, 'out', 1767225600011, 'checked out
');
INSERT INTO public.log_chunks VALUES ('r05', 'test', 0, 3, 1, 'out', 1767225600012, 'ok
');
INSERT INTO public.log_chunks VALUES ('r05', 'test', 3, 5, 1, 'out', 1767225600013, 'done
');
INSERT INTO public.log_chunks VALUES ('r05', 'test', 8, 10, 1, 'out', 1767225600015, 'late line
');
INSERT INTO public.log_chunks VALUES ('r05', 'sys', 0, 14, 1, 'sys', 1767225600016, 'hub: archived
');
INSERT INTO public.log_chunks VALUES ('r07', 'build', 0, 10, 1, 'out', 1767225600011, 'error: no
');


--
-- Data for Name: registration_tokens; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.registration_tokens VALUES ('1111111111111111111111111111111111111111111111111111111111111111', 1767229200000, 1767225600000, NULL);
INSERT INTO public.registration_tokens VALUES ('2222222222222222222222222222222222222222222222222222222222222222', 1767229200000, 1767225600000, 1767225600005);


--
-- Data for Name: repos; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.repos VALUES ('acme/app', 'https://github.com/acme/app.git', 'refs/heads/main', NULL, NULL);


--
-- Data for Name: run_counters; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.run_counters VALUES ('acme/app', 'build', 9);


--
-- Data for Name: runners; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.runners VALUES ('runner-1', 'builder', '["linux"]', 4, 'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc', true, 1767225600000, '0.9.0', 1767225600000, true, NULL, 'sock-1');
INSERT INTO public.runners VALUES ('runner-2', 'old', '[]', 1, 'dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd', false, NULL, NULL, 1767225600000, false, 'no bwrap', NULL);


--
-- Data for Name: runs; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.runs VALUES ('r01', 'acme/app', 'build', 1, 'pending', NULL, NULL, NULL, '{"type":"push","data":{"ref":"refs/heads/main"}}', 'refs/heads/main', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', NULL, '{"id":"build","name":"build","ver":1,"triggers":[],"tasks":[]}', NULL, NULL, 0, NULL, 0, 1767225600001, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'trusted');
INSERT INTO public.runs VALUES ('r02', 'acme/app', 'build', 2, 'pending', NULL, NULL, NULL, '{"type":"push","data":{"ref":"refs/heads/main"}}', 'refs/heads/main', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', NULL, '{"id":"build","name":"build","ver":1,"triggers":[],"tasks":[]}', NULL, 'runner-1', 1, 1767225601000, 0, 1767225600002, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'trusted');
INSERT INTO public.runs VALUES ('r03', 'acme/app', 'build', 3, 'active', NULL, NULL, NULL, '{"type":"push","data":{"ref":"refs/heads/main"}}', 'refs/heads/main', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', NULL, '{"id":"build","name":"build","ver":1,"triggers":[],"tasks":[]}', '{"startedAt":1767225600010,"deadline":1767225660010,"data":{},"nodes":{},"merges":{},"events":[]}', 'runner-1', 1, 1767225630000, 1, 1767225600003, 1767225600010, NULL, NULL, NULL, NULL, NULL, NULL, 'trusted');
INSERT INTO public.runs VALUES ('r04', 'acme/app', 'build', 4, 'active', NULL, NULL, NULL, '{"type":"push","data":{"ref":"refs/heads/main"}}', 'refs/heads/main', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', NULL, '{"id":"build","name":"build","ver":1,"triggers":[],"tasks":[]}', '{"startedAt":1767225600010,"deadline":1767225660010,"data":{},"nodes":{},"merges":{},"events":[]}', 'runner-1', 1, 1767225630000, 1, 1767225600004, 1767225600010, NULL, NULL, NULL, NULL, 'alice', 1767225600020, 'trusted');
INSERT INTO public.runs VALUES ('r05', 'acme/app', 'build', 5, 'archived', 'good', 'good at 1767225600014', 'end', '{"type":"push","data":{"ref":"refs/heads/main"}}', 'refs/heads/main', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', NULL, '{"id":"build","name":"build","ver":1,"triggers":[],"tasks":[]}', '{"startedAt":1767225600010,"deadline":1767225660010,"data":{},"nodes":{},"merges":{},"events":[]}', 'runner-1', 1, NULL, 3, 1767225600005, 1767225600010, 1767225600014, NULL, NULL, NULL, NULL, NULL, 'trusted');
INSERT INTO public.runs VALUES ('r06', 'acme/app', 'build', 6, 'archived', 'cancelled', 'cancelled at 1767225600020', 'cancelled', '{"type":"push","data":{"ref":"refs/heads/main"}}', 'refs/heads/main', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', NULL, '{"id":"build","name":"build","ver":1,"triggers":[],"tasks":[]}', '{"startedAt":1767225600010,"deadline":1767225660010,"data":{},"nodes":{},"merges":{},"events":[]}', 'runner-1', 1, NULL, 0, 1767225600006, 1767225600010, 1767225600020, NULL, NULL, NULL, NULL, NULL, 'trusted');
INSERT INTO public.runs VALUES ('r07', 'acme/app', 'build', 8, 'archived', 'bad', 'bad at 1767225600012', 'unhandled-failure', '{"type":"pull_request","data":{"number":"6"},"headCloneUrl":"https://github.com/fork/app.git"}', 'refs/pull/6/head', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', NULL, '{"id":"build","name":"build","ver":1,"triggers":[],"tasks":[]}', '{"startedAt":1767225600010,"deadline":1767225660010,"data":{},"nodes":{},"merges":{},"events":[]}', 'runner-1', 1, NULL, 1, 1767225600007, 1767225600010, 1767225600012, NULL, NULL, NULL, NULL, NULL, 'untrusted');
INSERT INTO public.runs VALUES ('r09', 'acme/app', 'build', 7, 'pending', NULL, NULL, NULL, '{"type":"push","data":{"ref":"refs/heads/main"}}', 'refs/heads/main', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', NULL, '{"id":"build","name":"build","ver":1,"triggers":[],"tasks":[]}', NULL, NULL, 2, NULL, 0, 1767225600009, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'trusted');
INSERT INTO public.runs VALUES ('r08', 'acme/app', 'build', 9, 'pending', NULL, NULL, NULL, '{"type":"retry","by":"bob","data":{}}', 'refs/heads/main', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', NULL, '{"id":"build","name":"build","ver":1,"triggers":[],"tasks":[]}', NULL, NULL, 0, NULL, 0, 1767225600008, NULL, NULL, 'r05', 'test', 'runner-1', NULL, NULL, 'trusted');


--
-- Data for Name: schema_version; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.schema_version VALUES (1, 'initial', 1796629877394);
INSERT INTO public.schema_version VALUES (2, 'secrets', 1796629877413);
INSERT INTO public.schema_version VALUES (3, 'runs-by-result', 1796629877418);
INSERT INTO public.schema_version VALUES (6, 'run-trust', 1796629877427);
INSERT INTO public.schema_version VALUES (7, 'token-expiry-and-audit', 1796629877445);
INSERT INTO public.schema_version VALUES (8, 'runner-sandbox', 1796629877452);
INSERT INTO public.schema_version VALUES (9, 'runner-connection', 1796629877457);


--
-- Data for Name: secrets; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.secrets VALUES ('', 'TOKEN', 'v1:hub-sealed', 1767225600000);
INSERT INTO public.secrets VALUES ('acme/app', 'DEPLOY_KEY', 'v1:repo-sealed', 1767225600000);


--
-- Data for Name: trigger_state; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.trigger_state VALUES ('timer:acme/app/build/nightly', '{"last":1767225600000}', 1);
INSERT INTO public.trigger_state VALUES ('github:delivery:delivery-1', '{"at":1767225600000}', 1);
INSERT INTO public.trigger_state VALUES ('github:delivery:delivery-2', '{"at":1767225600001}', 1);
INSERT INTO public.trigger_state VALUES ('github:check:r05', '{"id":77,"status":"completed"}', 2);
INSERT INTO public.trigger_state VALUES ('github:repo:acme/app', '{"installationId":9,"cloneUrl":"https://github.com/acme/app.git","private":true}', 1);


--
-- Name: audit_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_log_id_seq', 2, true);


--
-- Name: api_tokens api_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_pkey PRIMARY KEY (name);


--
-- Name: api_tokens api_tokens_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: flows flows_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.flows
    ADD CONSTRAINT flows_pkey PRIMARY KEY (repo, id);


--
-- Name: leases leases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leases
    ADD CONSTRAINT leases_pkey PRIMARY KEY (name);


--
-- Name: log_chunks log_chunks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.log_chunks
    ADD CONSTRAINT log_chunks_pkey PRIMARY KEY (run_id, node, byte_offset);


--
-- Name: registration_tokens registration_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.registration_tokens
    ADD CONSTRAINT registration_tokens_pkey PRIMARY KEY (token_hash);


--
-- Name: repos repos_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repos
    ADD CONSTRAINT repos_pkey PRIMARY KEY (name);


--
-- Name: run_counters run_counters_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.run_counters
    ADD CONSTRAINT run_counters_pkey PRIMARY KEY (repo, flow_id);


--
-- Name: runners runners_credential_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.runners
    ADD CONSTRAINT runners_credential_hash_key UNIQUE (credential_hash);


--
-- Name: runners runners_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.runners
    ADD CONSTRAINT runners_name_key UNIQUE (name);


--
-- Name: runners runners_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.runners
    ADD CONSTRAINT runners_pkey PRIMARY KEY (id);


--
-- Name: runs runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.runs
    ADD CONSTRAINT runs_pkey PRIMARY KEY (id);


--
-- Name: runs runs_repo_flow_id_number_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.runs
    ADD CONSTRAINT runs_repo_flow_id_number_key UNIQUE (repo, flow_id, number);


--
-- Name: schema_version schema_version_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_version
    ADD CONSTRAINT schema_version_pkey PRIMARY KEY (version);


--
-- Name: secrets secrets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.secrets
    ADD CONSTRAINT secrets_pkey PRIMARY KEY (scope, name);


--
-- Name: trigger_state trigger_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.trigger_state
    ADD CONSTRAINT trigger_state_pkey PRIMARY KEY (key);


--
-- Name: runs_by_flow; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX runs_by_flow ON public.runs USING btree (repo, flow_id, id);


--
-- Name: runs_by_flow_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX runs_by_flow_id ON public.runs USING btree (flow_id, id);


--
-- Name: runs_by_lease; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX runs_by_lease ON public.runs USING btree (lease_expires_at) WHERE (state <> 'archived'::text);


--
-- Name: runs_by_ref; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX runs_by_ref ON public.runs USING btree (ref, id);


--
-- Name: runs_by_result; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX runs_by_result ON public.runs USING btree (result, id);


--
-- Name: runs_by_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX runs_by_state ON public.runs USING btree (state, id);


--
-- Name: flows flows_repo_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.flows
    ADD CONSTRAINT flows_repo_fkey FOREIGN KEY (repo) REFERENCES public.repos(name) ON DELETE CASCADE;


--
-- Name: log_chunks log_chunks_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.log_chunks
    ADD CONSTRAINT log_chunks_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.runs(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


