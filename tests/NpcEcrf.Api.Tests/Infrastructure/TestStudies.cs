using NpcEcrf.Api.Demo;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Tests.Infrastructure;

/// <summary>Study definitions for tests: the reference study's (as its data manager wrote it) and a minimal one.</summary>
public static class TestStudies
{
    public static readonly DateOnly DefinedOn = new(2000, 1, 1);

    /// <summary>Anlotinib in NPC: 21-day cycles of 14 days on, 12 or 10 mg, confirmation after 28 days, the NPC baseline forms.</summary>
    public static StudyDefinition Reference => StudyDefinitions.Load(StudyDefinitions.Reference);

    /// <summary>The reference definition as the data manager's JSON document, for request bodies.</summary>
    public static System.Text.Json.Nodes.JsonNode ReferenceJson => System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(StudyDefinitions.PathOf(StudyDefinitions.Reference)))!;

    /// <summary>The study's creation as events, with the definition as version 1.</summary>
    public static object[] Created(string studyId, string title, StudyDefinition? definition = null, bool segregationOfDuties = true) =>
        [new StudyCreated(studyId, title, segregationOfDuties), new StudyDefinitionVersioned(1, DefinedOn, definition ?? Reference, null, false)];

    /// <summary>A study record with no database (for pure decisions and checks).</summary>
    public static Study InMemory(string studyId, IReadOnlyList<Site> sites, StudyDefinition? definition = null) =>
        new(Guid.NewGuid(), studyId, "t", sites, 1, true, [new DefinitionVersion(1, DefinedOn, definition ?? Reference, null, false)]);

    /// <summary>The enrolment body's eligibility for the reference study: every inclusion met, no exclusion.</summary>
    public static readonly Dictionary<string, bool> Eligible = ReferenceStudyCrf.Eligible;
}
