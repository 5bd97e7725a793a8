//! A time limit that holds inside CPU-bound operators.
//!
//! A timeout around a query's future fires only when the future yields, and some
//! operators (a cross join feeding an aggregate) compute for minutes inside one poll.
//! So every node of the physical plan is wrapped in [`DeadlineExec`], whose stream
//! fails as soon as the deadline has passed: each batch any operator produces checks
//! the clock, and the error ends the whole plan.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{RecordBatchStream, SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::Stream;

/// Wraps `plan` and every node below it.
pub fn wrap(plan: Arc<dyn ExecutionPlan>, deadline: Instant) -> Result<Arc<dyn ExecutionPlan>> {
    let children: Vec<Arc<dyn ExecutionPlan>> = plan.children().into_iter().cloned().collect();
    let plan = if children.is_empty() {
        plan
    } else {
        let wrapped = children.into_iter().map(|c| wrap(c, deadline)).collect::<Result<Vec<_>>>()?;
        plan.with_new_children(wrapped)?
    };
    Ok(Arc::new(DeadlineExec { input: plan, deadline }))
}

/// Passes its input through until the deadline, then fails.
#[derive(Debug)]
pub struct DeadlineExec {
    input: Arc<dyn ExecutionPlan>,
    deadline: Instant,
}

impl DisplayAs for DeadlineExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeadlineExec")
    }
}

impl ExecutionPlan for DeadlineExec {
    fn name(&self) -> &str {
        "DeadlineExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.input.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        match children.into_iter().next() {
            Some(input) => Ok(Arc::new(DeadlineExec { input, deadline: self.deadline })),
            None => Err(DataFusionError::Internal("DeadlineExec needs one child".into())),
        }
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        if Instant::now() > self.deadline {
            return Err(expired());
        }
        let input = self.input.execute(partition, context)?;
        Ok(Box::pin(DeadlineStream { schema: input.schema(), input, deadline: self.deadline }))
    }
}

/// Marks the error of an expired deadline among resource errors.
pub const MARK: &str = "時間制限に達しました";

fn expired() -> DataFusionError {
    DataFusionError::ResourcesExhausted(format!("time limit reached / {MARK}"))
}

struct DeadlineStream {
    schema: SchemaRef,
    input: SendableRecordBatchStream,
    deadline: Instant,
}

impl Stream for DeadlineStream {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if Instant::now() > self.deadline {
            return Poll::Ready(Some(Err(expired())));
        }
        self.input.as_mut().poll_next(cx)
    }
}

impl RecordBatchStream for DeadlineStream {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}
