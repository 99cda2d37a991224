namespace NpcEcrf.Api.Audit;

/// <summary>
/// The audit trail's index: a row per event with what an auditor filters by (time, type, user, and the study, site
/// and subject of its stream) and a row per field an event names, each filter with a B-tree ending in the page
/// order (timestamp, sequence), so any filter reads one page by an index range and never the whole trail.
/// A statement trigger on mt_events fills it in the inserting transaction, from the rows that statement inserted:
/// Marten's appends and the bulk import's COPY alike (COPY fires statement triggers), so no writer can forget it.
/// </summary>
public static class AuditIndex
{
    public const string Events = "npcecrf_audit_index";
    public const string Fields = "npcecrf_audit_fields";
    /// <summary>The study, site and subject of a casebook or data-query stream, from the event that opens it.</summary>
    public const string Streams = "npcecrf_audit_streams";

    /// <summary>
    /// The event types that open a stream of one subject (the casebook's SubjectEnrolled or SubjectImported, a data
    /// query's DataQueryRaised), each carrying studyId, siteId and subjectNumber, which no later event changes.
    /// </summary>
    public static readonly string[] SubjectOpeners = ["subject_enrolled", "subject_imported", "data_query_raised"];

    /// <summary>
    /// Creates the index (filled from the events already stored, the first time), its trigger, and keeps it
    /// append-only for the application as mt_events is; idempotent, run by <see cref="Hosting.SchemaPreparation"/>.
    /// </summary>
    public static string Sql(string schema) => $$"""
        set statement_timeout = 0;
        do $create$
        begin
          if to_regclass('"{{schema}}".{{Events}}') is not null then return; end if;
          create table "{{schema}}".{{Streams}} (stream_id uuid primary key, study_id text, site_id text, subject_number text);
          create table "{{schema}}".{{Events}} (
            seq_id bigint primary key, ts timestamptz not null, stream_id uuid not null, type text not null, user_name text,
            study_id text, site_id text, subject_number text, fields text[] not null);
          create table "{{schema}}".{{Fields}} (field text not null, ts timestamptz not null, seq_id bigint not null, primary key (field, ts, seq_id));
          {{Fill(schema, $"\"{schema}\".mt_events")}}
          create index npcecrf_audit_by_time on "{{schema}}".{{Events}} (ts, seq_id);
          create index npcecrf_audit_by_study on "{{schema}}".{{Events}} (study_id, ts, seq_id);
          create index npcecrf_audit_by_site on "{{schema}}".{{Events}} (site_id, ts, seq_id);
          create index npcecrf_audit_by_subject on "{{schema}}".{{Events}} (subject_number, ts, seq_id);
          create index npcecrf_audit_by_user on "{{schema}}".{{Events}} (user_name, ts, seq_id);
          create index npcecrf_audit_by_type on "{{schema}}".{{Events}} (type, ts, seq_id);
        end
        $create$;
        -- A study's streams, for the replays that read one study (StoredEvents.StudyStreams) without reading every
        -- study's; outside the block above, so that databases indexed before it get it too.
        create index if not exists npcecrf_audit_streams_by_study on "{{schema}}".{{Streams}} (study_id, stream_id);

        create or replace function "{{schema}}".npcecrf_index_events() returns trigger language plpgsql as $index$
        begin
          {{Fill(schema, "inserted")}}
          return null;
        end
        $index$;

        create or replace trigger npcecrf_events_indexed after insert on "{{schema}}".mt_events
          referencing new table as inserted for each statement execute function "{{schema}}".npcecrf_index_events();
        """;

    private static readonly string ImportedForm = TamperEvidence.EventTypes.Alias(typeof(OdmImport.OdmFormImported));

    /// <summary>The index rows of the events in <paramref name="source"/> (mt_events itself, or a trigger's new rows).</summary>
    private static string Fill(string schema, string source) => $"""
          insert into "{schema}".{Streams} (stream_id, study_id, site_id, subject_number)
            select stream_id, data->>'studyId', data->>'siteId', data->>'subjectNumber' from {source}
            where type in ({string.Join(", ", SubjectOpeners.Select(t => $"'{t}'"))})
            on conflict (stream_id) do nothing;
          -- An event names a field by its "field" (a correction, a query, a check) or as a key of its payload (a form's values;
          -- an imported form's are the keys of its "value", not its envelope's):
          -- kept with the event (to check a field beside another filter) and a row each (to page by a field alone).
          with indexed as (
            insert into "{schema}".{Events} (seq_id, ts, stream_id, type, user_name, study_id, site_id, subject_number, fields)
            select e.seq_id, e.timestamp, e.stream_id, e.type, e.user_name, s.study_id, s.site_id, s.subject_number,
                   array(select f from (select e.data->>'field'
                                        union select jsonb_object_keys(case when e.type = '{ImportedForm}' and jsonb_typeof(e.data->'value') = 'object' then e.data->'value'
                                                                           when jsonb_typeof(e.data) = 'object' then e.data else jsonb_build_object() end)) k(f)
                         where f is not null order by f)
            from {source} e left join "{schema}".{Streams} s on s.stream_id = e.stream_id
            returning seq_id, ts, fields)
          insert into "{schema}".{Fields} (field, ts, seq_id) select unnest(fields), ts, seq_id from indexed;
        """;

    /// <summary>The application's role reads and appends to the index, never rewrites it (as mt_events).</summary>
    public static string RevokeSql(string schema, string applicationRole) =>
        string.Join('\n', new[] { Events, Fields, Streams }.Select(t => $"revoke update, delete, truncate on \"{schema}\".{t} from \"{applicationRole}\";"));
}
