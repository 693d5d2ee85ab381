package fakeroute53

import "encoding/xml"

// The XML shapes of the 2013-04-01 API, as far as the fake serves it.

type xRecord struct {
	Value string `xml:"Value"`
}

type xAlias struct {
	HostedZoneID         string `xml:"HostedZoneId"`
	DNSName              string `xml:"DNSName"`
	EvaluateTargetHealth bool   `xml:"EvaluateTargetHealth"`
}

type xRRset struct {
	Name          string    `xml:"Name"`
	Type          string    `xml:"Type"`
	SetIdentifier string    `xml:"SetIdentifier,omitempty"`
	TTL           *int64    `xml:"TTL,omitempty"`
	Records       []xRecord `xml:"ResourceRecords>ResourceRecord,omitempty"`
	AliasTarget   *xAlias   `xml:"AliasTarget,omitempty"`
}

type xChange struct {
	Action string `xml:"Action"`
	RRset  xRRset `xml:"ResourceRecordSet"`
}

type xChangeRequest struct {
	XMLName xml.Name  `xml:"ChangeResourceRecordSetsRequest"`
	Comment string    `xml:"ChangeBatch>Comment"`
	Changes []xChange `xml:"ChangeBatch>Changes>Change"`
}

type xChangeInfo struct {
	ID          string `xml:"Id"`
	Status      string `xml:"Status"`
	SubmittedAt string `xml:"SubmittedAt"`
	Comment     string `xml:"Comment,omitempty"`
}

type xChangeResponse struct {
	XMLName    xml.Name    `xml:"https://route53.amazonaws.com/doc/2013-04-01/ ChangeResourceRecordSetsResponse"`
	ChangeInfo xChangeInfo `xml:"ChangeInfo"`
}

type xGetChangeResponse struct {
	XMLName    xml.Name    `xml:"https://route53.amazonaws.com/doc/2013-04-01/ GetChangeResponse"`
	ChangeInfo xChangeInfo `xml:"ChangeInfo"`
}

type xListRRsetsResponse struct {
	XMLName        xml.Name `xml:"https://route53.amazonaws.com/doc/2013-04-01/ ListResourceRecordSetsResponse"`
	RRsets         []xRRset `xml:"ResourceRecordSets>ResourceRecordSet"`
	IsTruncated    bool     `xml:"IsTruncated"`
	NextRecordName string   `xml:"NextRecordName,omitempty"`
	NextRecordType string   `xml:"NextRecordType,omitempty"`
	MaxItems       int      `xml:"MaxItems"`
}

type xZoneConfig struct {
	Comment     string `xml:"Comment,omitempty"`
	PrivateZone bool   `xml:"PrivateZone"`
}

type xHostedZone struct {
	ID                     string      `xml:"Id"`
	Name                   string      `xml:"Name"`
	CallerReference        string      `xml:"CallerReference"`
	Config                 xZoneConfig `xml:"Config"`
	ResourceRecordSetCount int         `xml:"ResourceRecordSetCount"`
}

type xListZonesByNameResponse struct {
	XMLName          xml.Name      `xml:"https://route53.amazonaws.com/doc/2013-04-01/ ListHostedZonesByNameResponse"`
	HostedZones      []xHostedZone `xml:"HostedZones>HostedZone"`
	DNSName          string        `xml:"DNSName,omitempty"`
	HostedZoneID     string        `xml:"HostedZoneId,omitempty"`
	IsTruncated      bool          `xml:"IsTruncated"`
	NextDNSName      string        `xml:"NextDNSName,omitempty"`
	NextHostedZoneID string        `xml:"NextHostedZoneId,omitempty"`
	MaxItems         int           `xml:"MaxItems"`
}

type xListZonesResponse struct {
	XMLName     xml.Name      `xml:"https://route53.amazonaws.com/doc/2013-04-01/ ListHostedZonesResponse"`
	HostedZones []xHostedZone `xml:"HostedZones>HostedZone"`
	Marker      string        `xml:"Marker"`
	IsTruncated bool          `xml:"IsTruncated"`
	NextMarker  string        `xml:"NextMarker,omitempty"`
	MaxItems    int           `xml:"MaxItems"`
}

type xGetZoneResponse struct {
	XMLName     xml.Name    `xml:"https://route53.amazonaws.com/doc/2013-04-01/ GetHostedZoneResponse"`
	HostedZone  xHostedZone `xml:"HostedZone"`
	NameServers []string    `xml:"DelegationSet>NameServers>NameServer"`
}

type xErrorResponse struct {
	XMLName xml.Name `xml:"https://route53.amazonaws.com/doc/2013-04-01/ ErrorResponse"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

type xDelegationSet struct {
	ID              string   `xml:"Id"`
	CallerReference string   `xml:"CallerReference"`
	NameServers     []string `xml:"NameServers>NameServer"`
}

type xListSetsResponse struct {
	XMLName     xml.Name         `xml:"https://route53.amazonaws.com/doc/2013-04-01/ ListReusableDelegationSetsResponse"`
	Sets        []xDelegationSet `xml:"DelegationSets>DelegationSet"`
	Marker      string           `xml:"Marker"`
	IsTruncated bool             `xml:"IsTruncated"`
	NextMarker  string           `xml:"NextMarker,omitempty"`
	MaxItems    int              `xml:"MaxItems"`
}
