namespace NpcEcrf.Api.Tests.OdmImport;

/// <summary>
/// Hand-written ODM 1.3.2 files as another EDC writes them: its own OIDs (F_VS, IG_VS, IT_SYSBP), a code list,
/// two forms (vital signs, repeating; an ECG, once), two subjects at one location, audit records, a signature
/// and an annotation with a flag.
/// </summary>
public static class ForeignFiles
{
    public const string StudyOid = "CARDIO01";

    public static string Snapshot(string vitalsAudit = DefaultVitalsAudit, string extraItem = "") => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileType="Transactional" FileOID="OTHEREDC.CARDIO01.20240501" CreationDateTime="2024-05-01T10:00:00Z" ODMVersion="1.3.2" Originator="OtherEDC 7.2">
          <Study OID="CARDIO01">
            <GlobalVariables>
              <StudyName>CARDIO01</StudyName>
              <StudyDescription>Cardiac safety sub-study</StudyDescription>
              <ProtocolName>CARDIO01</ProtocolName>
            </GlobalVariables>
            <BasicDefinitions>
              <MeasurementUnit OID="MU_MMHG" Name="mmHg"><Symbol><TranslatedText xml:lang="en">mmHg</TranslatedText></Symbol></MeasurementUnit>
            </BasicDefinitions>
            <MetaDataVersion OID="v1.0" Name="Version 1">
              <FormDef OID="F_VS" Name="Vital signs" Repeating="Yes">
                <ItemGroupRef ItemGroupOID="IG_VS" Mandatory="Yes"/>
              </FormDef>
              <FormDef OID="F_ECG" Name="Electrocardiogram" Repeating="No">
                <ItemGroupRef ItemGroupOID="IG_ECG" Mandatory="Yes"/>
              </FormDef>
              <ItemGroupDef OID="IG_VS" Name="Vitals" Repeating="No">
                <ItemRef ItemOID="IT_VSDAT" Mandatory="Yes"/>
                <ItemRef ItemOID="IT_SYSBP" Mandatory="Yes"/>
                <ItemRef ItemOID="IT_POS" Mandatory="No"/>
              </ItemGroupDef>
              <ItemGroupDef OID="IG_ECG" Name="Ecg" Repeating="No">
                <ItemRef ItemOID="IT_QTC" Mandatory="Yes"/>
                <ItemRef ItemOID="IT_ABN" Mandatory="No"/>
              </ItemGroupDef>
              <ItemDef OID="IT_VSDAT" Name="VSDAT" DataType="date"><Question><TranslatedText xml:lang="en">Date of measurement</TranslatedText></Question></ItemDef>
              <ItemDef OID="IT_SYSBP" Name="SYSBP" DataType="integer"><Question><TranslatedText xml:lang="en">Systolic blood pressure</TranslatedText></Question><MeasurementUnitRef MeasurementUnitOID="MU_MMHG"/></ItemDef>
              <ItemDef OID="IT_POS" Name="POSITION" DataType="text"><Question><TranslatedText xml:lang="en">Position</TranslatedText></Question><CodeListRef CodeListOID="CL_POS"/></ItemDef>
              <ItemDef OID="IT_QTC" Name="QTC" DataType="float"><Question><TranslatedText xml:lang="en">QTcF (ms)</TranslatedText></Question></ItemDef>
              <ItemDef OID="IT_ABN" Name="ABNORMAL" DataType="boolean"><Question><TranslatedText xml:lang="en">Clinically significant abnormality</TranslatedText></Question></ItemDef>
              <CodeList OID="CL_POS" Name="Position" DataType="text">
                <CodeListItem CodedValue="SITTING"><Decode><TranslatedText xml:lang="en">Sitting</TranslatedText></Decode></CodeListItem>
                <CodeListItem CodedValue="SUPINE"><Decode><TranslatedText xml:lang="en">Supine</TranslatedText></Decode></CodeListItem>
              </CodeList>
            </MetaDataVersion>
          </Study>
          <AdminData StudyOID="CARDIO01">
            <User OID="USR.17"><LoginName>jdoe</LoginName><DisplayName>Jane Doe</DisplayName></User>
            <User OID="USR.20"><LoginName>pi.meyer</LoginName><DisplayName>Dr Meyer</DisplayName></User>
            <Location OID="LOC.01" Name="Berlin" LocationType="Site"><MetaDataVersionRef StudyOID="CARDIO01" MetaDataVersionOID="v1.0" EffectiveDate="2023-01-01"/></Location>
            <SignatureDef OID="SD.PI" Methodology="Electronic"><Meaning>Principal investigator approval</Meaning><LegalReason>Part 11</LegalReason></SignatureDef>
          </AdminData>
          <ClinicalData StudyOID="CARDIO01" MetaDataVersionOID="v1.0">
            <SubjectData SubjectKey="101" TransactionType="Insert">
              <SiteRef LocationOID="LOC.01"/>
              <StudyEventData StudyEventOID="SE_BASELINE">
                <FormData FormOID="F_VS" FormRepeatKey="1" TransactionType="Insert">
        {vitalsAudit}
                  <ItemGroupData ItemGroupOID="IG_VS">
                    <ItemData ItemOID="IT_VSDAT" Value="2023-02-01"/>
                    <ItemData ItemOID="IT_SYSBP" Value="128"/>
                    <ItemData ItemOID="IT_POS" Value="SITTING"/>{extraItem}
                  </ItemGroupData>
                </FormData>
                <FormData FormOID="F_ECG" FormRepeatKey="1" TransactionType="Insert">
                  <AuditRecord><UserRef UserOID="USR.17"/><LocationRef LocationOID="LOC.01"/><DateTimeStamp>2023-02-01T09:40:00Z</DateTimeStamp></AuditRecord>
                  <ItemGroupData ItemGroupOID="IG_ECG">
                    <ItemData ItemOID="IT_QTC" Value="412.5"/>
                    <ItemData ItemOID="IT_ABN" Value="false"/>
                  </ItemGroupData>
                </FormData>
              </StudyEventData>
            </SubjectData>
            <SubjectData SubjectKey="101" TransactionType="Update">
              <SiteRef LocationOID="LOC.01"/>
              <StudyEventData StudyEventOID="SE_BASELINE">
                <FormData FormOID="F_VS" FormRepeatKey="1" TransactionType="Update">
                  <AuditRecord><UserRef UserOID="USR.17"/><LocationRef LocationOID="LOC.01"/><DateTimeStamp>2023-02-03T14:05:00Z</DateTimeStamp><ReasonForChange>Transcription error</ReasonForChange></AuditRecord>
                  <Annotation SeqNum="1" ID="Q.77"><Comment SponsorOrSite="Sponsor">Please confirm the systolic value.</Comment><Flag><FlagValue>closed</FlagValue><FlagType>query</FlagType></Flag></Annotation>
                  <ItemGroupData ItemGroupOID="IG_VS">
                    <ItemData ItemOID="IT_SYSBP" TransactionType="Update" Value="138"/>
                  </ItemGroupData>
                </FormData>
              </StudyEventData>
            </SubjectData>
            <SubjectData SubjectKey="102" TransactionType="Insert">
              <SiteRef LocationOID="LOC.01"/>
              <StudyEventData StudyEventOID="SE_BASELINE">
                <FormData FormOID="F_VS" FormRepeatKey="2" TransactionType="Insert">
                  <AuditRecord><UserRef UserOID="USR.17"/><LocationRef LocationOID="LOC.01"/><DateTimeStamp>2023-03-10T08:00:00Z</DateTimeStamp></AuditRecord>
                  <ItemGroupData ItemGroupOID="IG_VS">
                    <ItemData ItemOID="IT_VSDAT" Value="2023-03-10"/>
                    <ItemData ItemOID="IT_SYSBP" Value="141"/>
                    <ItemData ItemOID="IT_POS" IsNull="Yes"/>
                  </ItemGroupData>
                </FormData>
              </StudyEventData>
            </SubjectData>
            <SubjectData SubjectKey="102" TransactionType="Update">
              <Signature><UserRef UserOID="USR.20"/><LocationRef LocationOID="LOC.01"/><SignatureRef SignatureOID="SD.PI"/><DateTimeStamp>2023-03-12T16:30:00Z</DateTimeStamp></Signature>
              <SiteRef LocationOID="LOC.01"/>
            </SubjectData>
          </ClinicalData>
        </ODM>
        """;

    public const string DefaultVitalsAudit = """
                  <AuditRecord><UserRef UserOID="USR.17"/><LocationRef LocationOID="LOC.01"/><DateTimeStamp>2023-02-01T09:15:00Z</DateTimeStamp><ReasonForChange>Initial entry</ReasonForChange></AuditRecord>
        """;

    /// <summary>The first vitals form's AuditRecord inside its first ItemData instead of FormData (as some EDCs write it).</summary>
    public static string MisplacedAudit() => Snapshot(vitalsAudit: "").Replace(
        """<ItemData ItemOID="IT_VSDAT" Value="2023-02-01"/>""",
        """<ItemData ItemOID="IT_VSDAT" Value="2023-02-01"><AuditRecord><UserRef UserOID="USR.17"/><LocationRef LocationOID="LOC.01"/><DateTimeStamp>2023-02-01T09:15:00Z</DateTimeStamp></AuditRecord></ItemData>""");

    /// <summary>The 1-based line of the first line holding <paramref name="text"/>.</summary>
    public static int LineOf(string file, string text) => file.Split('\n').Select((line, i) => (line, i)).First(x => x.line.Contains(text)).i + 1;
}
