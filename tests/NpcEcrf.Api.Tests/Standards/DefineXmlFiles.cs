using System.Xml;
using System.Xml.Linq;
using NpcEcrf.Api.Standards;

namespace NpcEcrf.Api.Tests.Standards;

/// <summary>Reading a Define-XML file back in the tests: XPath names, and the part of it the ODM 1.3.2 schema can check.</summary>
public static class DefineXmlFiles
{
    public static XmlNamespaceManager Ns()
    {
        var ns = new XmlNamespaceManager(new NameTable());
        ns.AddNamespace("odm", DefineXml.OdmNamespace);
        ns.AddNamespace("def", DefineXml.DefNamespace);
        ns.AddNamespace("xlink", DefineXml.XlinkNamespace);
        return ns;
    }

    /// <summary>
    /// The document without def: elements and attributes (and the xlink: ones only def:leaf carries): there is no
    /// Define-XML schema in ../shared, and the ODM schema admits no foreign nodes, so this is what it can validate.
    /// </summary>
    public static string OdmCore(XDocument doc)
    {
        var core = new XDocument(doc);
        core.Descendants().Where(e => e.Name.Namespace == DefineXml.DefNamespace).ToList().ForEach(e => e.Remove());
        foreach (var e in core.Descendants())
            e.Attributes().Where(a => a.Name.Namespace == DefineXml.DefNamespace || a.Name.Namespace == DefineXml.XlinkNamespace
                || a.IsNamespaceDeclaration && (a.Value == DefineXml.DefNamespace || a.Value == DefineXml.XlinkNamespace)).Remove();
        return core.ToString();
    }
}
