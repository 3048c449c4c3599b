"""Factories of the cases context: services with their own workflow, officers per role, and
applications and documents made through the cases' write path."""

from collections.abc import Iterable

import factory

from satupintu.accounts.models import User
from satupintu.cases.models import DEFAULT_WORKFLOW, Application, Document, Step, WorkflowStep
from satupintu.cases.services.documents import document_add
from satupintu.cases.services.drafts import application_draft
from satupintu.cases.services.workflow import application_submit
from satupintu.cases.tests.files import pdf
from satupintu.catalog.models import Service
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.tests.factories import UserFactory, staff_member

# The role that acts at each step unless a workflow gives the step to another one.
STANDARD_ROLE = dict(DEFAULT_WORKFLOW)
# A step with the role acting at it, or only the step (then its standard role acts).
StepEntry = Step | tuple[Step, str]


class WorkflowStepFactory(factory.django.DjangoModelFactory):
    """One step of a service's own workflow; the step's standard role acts unless given."""

    class Meta:
        model = WorkflowStep

    service = factory.SubFactory(ServiceFactory)
    order = factory.Sequence(lambda n: n + 1)
    step = Step.DECISION
    role = factory.LazyAttribute(lambda row: str(STANDARD_ROLE[row.step]))


def give_workflow(service: Service, steps: Iterable[StepEntry] = ()) -> Service:
    """Give ``service`` its own workflow, ``steps`` in order; without steps, the standard one
    (DEFAULT_WORKFLOW) written out as rows."""
    for order, entry in enumerate(steps or DEFAULT_WORKFLOW, start=1):
        step, role = entry if isinstance(entry, tuple) else (entry, STANDARD_ROLE[entry])
        WorkflowStepFactory(service=service, order=order, step=step, role=role)
    return service


class WorkflowServiceFactory(ServiceFactory):
    """A service with its own workflow rows: the standard one, ``workflow=[...]`` (steps as
    give_workflow takes them) or a trait."""

    workflow: tuple[StepEntry, ...] = ()

    class Params:
        # The front office checks the documents, then the approver decides (and signs).
        checked_then_decided = factory.Trait(workflow=(Step.DOCUMENT_CHECK, Step.DECISION))
        # A verifier checks, then the approver decides.
        verified_then_decided = factory.Trait(workflow=(Step.VERIFICATION, Step.DECISION))

    @classmethod
    def _create(cls, model_class, *args, workflow: Iterable[StepEntry], **fields) -> Service:
        return give_workflow(super()._create(model_class, *args, **fields), workflow)


def staff_of(service: Service, *roles: str) -> dict[str, User]:
    """One officer per role of the service's agency, by role; front office and approver unless
    other roles are named."""
    return {
        role: staff_member(role, agency=service.agency)
        for role in roles or ("front_office", "approver")
    }


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft started as the applicant starts it; ``submitted=True`` submits it too (the form
    and the checklist are checked as on the portal)."""

    class Meta:
        model = Application

    applicant = factory.SubFactory(UserFactory)
    service = factory.SubFactory(ServiceFactory, form_schema=[])
    form_data = factory.Dict({})
    submitted = False

    @classmethod
    def _create(cls, model_class, *, submitted: bool, **fields) -> Application:
        draft = application_draft(**fields)
        return application_submit(application=draft) if submitted else draft


class DocumentFactory(factory.django.DjangoModelFactory):
    """A small valid PDF uploaded by the applicant for one requirement of the application."""

    class Meta:
        model = Document

    application = factory.SubFactory(ApplicationFactory)
    upload = factory.LazyFunction(pdf)
    by = factory.LazyAttribute(lambda row: row.application.applicant)
    requirement = None

    @classmethod
    def _create(cls, model_class, **fields) -> Document:
        return document_add(**fields)
