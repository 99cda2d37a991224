using System.Xml.Linq;
using static NpcEcrf.Api.Standards.DefineXml;

namespace NpcEcrf.Api.Standards.Define;

/// <summary>
/// The implementation guide a set of datasets follows ("SDTMIG 3.4" or "ADaMIG 1.3", from <see cref="DatasetSource.Standard"/>)
/// and the CDISC/NCI controlled terminology beside it, as def:Standards.
/// </summary>
internal sealed record DefineStandard(string Name, string Version, string Kind, string Purpose, string PublishingSet)
{
    /// <summary>The CDISC controlled terminology release the code list codes are taken from.</summary>
    public const string TerminologyVersion = "2024-03-29";

    public string Oid => $"STD.{Name}.{Version}";
    public string TerminologyOid => $"STD.CT.{PublishingSet}.{TerminologyVersion}";
    public bool Analysis => Kind == "ADAM";

    public static DefineStandard Of(string standard)
    {
        var parts = standard.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts switch
        {
            [var name, var version] when name.Equals("SDTMIG", StringComparison.OrdinalIgnoreCase) => new("SDTMIG", version, "SDTM", "Tabulation", "SDTM"),
            [var name, var version] when name.Equals("ADaMIG", StringComparison.OrdinalIgnoreCase) => new("ADaMIG", version, "ADAM", "Analysis", "ADaM"),
            _ => throw new ArgumentException($"Define-XML knows SDTMIG and ADaMIG, not \"{standard}\".", nameof(standard)),
        };
    }

    public XElement Standards() => new(Def + "Standards",
        new XElement(Def + "Standard", new XAttribute("OID", Oid), new XAttribute("Name", Name), new XAttribute("Type", "IG"),
            new XAttribute("Version", Version), new XAttribute("Status", "Final")),
        new XElement(Def + "Standard", new XAttribute("OID", TerminologyOid), new XAttribute("Name", "CDISC/NCI"), new XAttribute("Type", "CT"),
            new XAttribute("PublishingSet", PublishingSet), new XAttribute("Version", TerminologyVersion), new XAttribute("Status", "Final")));
}
