namespace Warden.Server.Residency;

/// <summary>
/// One line of the transfer report: requests (and values of one class) that went to one destination under one action and
/// basis. <paramref name="Class"/> is null on the line counting requests, whatever they carried.
/// </summary>
internal sealed record TransferReportRow(
    string Jurisdiction,
    string Provider,
    string Action,
    string? LegalBasis,
    string? Class,
    long Requests,
    long Values);
