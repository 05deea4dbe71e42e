/* Every conformance case; cases.c lists them for ctest. */
#ifndef TAP_EMU_TEST_CASES_H
#define TAP_EMU_TEST_CASES_H

void registryMatchesComponentIdExactly(void);
void registryGivesConnectionName(void);
void registryReportsSizesAndMissingEntries(void);
void registryKeepsPhantomsDropsDeleted(void);
void openIsExclusive(void);
void phantomAdapterOpenFailsWithFileNotFound(void);
void badHandlesGiveInvalidHandle(void);
void eventsSignalAndWait(void);
void handleAccessRightsApply(void);
void versionMtuAndMacIoctls(void);
void configTunChecksNetworkAgainstMask(void);
void mediaStatusAndModeResetOnReopen(void);
void dhcpAndPriorityIoctls(void);
void tapModeCarriesEthernetFrames(void);
void tunModeDeliversIpv4WithoutEthernetHeader(void);
void tunModeWriteReachesKernel(void);
void tunModeWriteTypeFollowsVersionNibble(void);
void tunModeAnswersNeighborSolicitationForFe80Eight(void);
void tunModeRefusesShortWrite(void);
void tunModeDropsBroadcastIpv4(void);
void shortReadBufferGivesMoreDataAndDiscards(void);
void readFileResetsTheRequestEvent(void);
void receiveQueueHoldsSixtyFourPackets(void);
void overlappedReportsStatusAndBytes(void);
void outstandingReadsCompleteInOrder(void);
void cancelIoExAbortsPendingReads(void);
void closeCompletesPendingReads(void);
void removalAbortsPendingAndLaterIo(void);
void disableAbortsPendingThenReenableOpens(void);
void strictAbortsOnReusedPendingOverlapped(void);
void strictAbortsOnNullOverlapped(void);
void strictRecordsSynchronousHandleAndSmallBuffer(void);
void faultRemovalMidRead(void);
void faultLimitedReadBuffersGiveMoreData(void);
void faultHeldCompletionsOverflowQueue(void);
void pointToPointAnswersArpForRemoteOnly(void);
void framesAboveMtuPlus18AreDropped(void);
void closeUnderLoadEndsEveryRead(void);
void removalUnderLoadEndsEveryRead(void);
void kernelPingIsAnsweredThroughTunMode(void);

#endif
