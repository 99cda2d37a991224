using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.DatabaseRoles;

/// <summary>A fact about the private cluster's roles: skipped when NPCECRF_TEST_DB gives one connection for everything.</summary>
public sealed class RolesFactAttribute : FactAttribute
{
    public RolesFactAttribute() => Skip = TestDatabase.HasRoles ? null : NoRoles;

    internal const string NoRoles = "NPCECRF_TEST_DB has one role; this needs the private cluster's roles.";
}

/// <summary>The same, for theories.</summary>
public sealed class RolesTheoryAttribute : TheoryAttribute
{
    public RolesTheoryAttribute() => Skip = TestDatabase.HasRoles ? null : RolesFactAttribute.NoRoles;
}
