"""facts: a covering index for segment rules, and joint statistics on name and value

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 18:10:00

Segment rules ask for the contacts having a fact (``name``, ``value``): with ``contact_id``
in the index, PostgreSQL answers from the index alone. Without joint statistics it takes
``name`` and ``value`` for independent and guesses a country's contacts at a fifth of
their number, which sends it to a nested loop over the audience.
"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('audience_facts', schema=None) as batch_op:
        batch_op.create_index('ix_audience_facts_name_value_contact', ['name', 'value', 'contact_id'], unique=False)
        batch_op.drop_index('ix_audience_facts_name_value')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE STATISTICS IF NOT EXISTS st_audience_facts_name_value (mcv, dependencies, ndistinct) '
                   'ON name, value FROM audience_facts')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP STATISTICS IF EXISTS st_audience_facts_name_value')
    with op.batch_alter_table('audience_facts', schema=None) as batch_op:
        batch_op.create_index('ix_audience_facts_name_value', ['name', 'value'], unique=False)
        batch_op.drop_index('ix_audience_facts_name_value_contact')
